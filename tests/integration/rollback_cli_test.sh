#!/usr/bin/env bash
# The rollback guard end to end, with the real module and CLI: a token whose files are put back to
# an earlier copy (copy aside, sign, put back) does not sign again under a SAD it already used;
# the module answers CKR_DEVICE_ERROR and records rollback-detected, `audit verify` exits 3 and
# names it, `samp11 audit accept-rollback` lifts it (recorded), and a restore moves the anchor by
# itself. A configuration that puts the anchor among the keystore's own files is refused.
# MODE file: the anchor is a file on "another file system" (another folder here); pkcs11: a data
# object in the token's inner SoftHSMv2 token, whose files are kept apart from the keystore's.
# Usage: rollback_cli_test.sh BUILD_DIR [file|pkcs11]
set -euo pipefail
# (grep without -q below reads all its input: with -q, the writer of a pipe may get SIGPIPE, and
# pipefail would make a match look like a failure.)
build=$(realpath "$1")
mode=${2:-file}
samp11="$build/samp11"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export SAMP11_CONF="$work/samp11.json"
fail() { echo "FAIL: $*" >&2; exit 1; }
mkdir keystore anchor-fs
db="$work/keystore/t.db"

"$samp11" init --label rollback --keystore "$db" --master-key "$work/m.key" >/dev/null
# set_anchor JSON: the token's rollback_anchor (and, in pkcs11 mode, its inner token).
set_anchor() {
  /usr/bin/python3 - "$SAMP11_CONF" "$1" "$work" <<'PY'
import json, sys
path, anchor, work = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
config = json.load(open(path))
token = config["tokens"][0]
token["rollback_anchor"] = anchor
if anchor.get("pkcs11"):
    token["pkcs11_backend"] = {"module": "/usr/lib/softhsm/libsofthsm2.so",
                               "token_label": "anchor", "pin_file": work + "/inner.pin"}
json.dump(config, open(path, "w"), indent=2)
PY
}
if [[ $mode == pkcs11 ]]; then
  mkdir softhsm
  printf 'directories.tokendir = %s/softhsm\nobjectstore.backend = file\nlog.level = ERROR\n' \
    "$work" > softhsm2.conf
  export SOFTHSM2_CONF="$work/softhsm2.conf"
  softhsm2-util --init-token --free --label anchor --pin 4321 --so-pin 87654321 >/dev/null
  (umask 077 && echo 4321 > inner.pin)
  set_anchor '{"pkcs11": true}'
  where="data object 'samp11 rollback anchor' of the inner token 'anchor' of /usr/lib/softhsm/libsofthsm2.so"
else
  # The anchor among the keystore's files would be put back with them: refused, naming why.
  set_anchor "{\"file\": \"$db-anchor\"}"
  rc=0
  "$samp11" audit verify >out.txt 2>&1 || rc=$?
  [[ $rc -ne 0 ]] || fail "an anchor beside the keystore's files was accepted"
  grep -q "must not be the keystore or one of its files" out.txt || { cat out.txt; fail "why"; }
  set_anchor "{\"file\": \"$work/anchor-fs/rollback.anchor\"}"
  where="file $work/anchor-fs/rollback.anchor"
fi

out=$("$samp11" audit verify) || fail "verify with a new anchor: $out"
if [[ $mode == file ]]; then
  [[ -f anchor-fs/rollback.anchor ]] || fail "the anchor was not written"
  [[ $(stat -c %a anchor-fs/rollback.anchor) == 600 ]] || fail "the anchor is not 0600"
else
  pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so --token-label anchor --login --pin 4321 \
    --list-objects --type data 2>/dev/null | grep "samp11 rollback anchor" >/dev/null ||
    fail "no anchor object in the inner token"
fi
"$samp11" audit show --event rollback-anchor | grep "first written, at audit record 1" >/dev/null ||
  fail "the anchor's creation is not in the log"

openssl genpkey -algorithm ED25519 -out dev.pem 2>/dev/null
openssl pkey -in dev.pem -pubout -out dev.pub.pem
"$samp11" signer add alice --activation-key dev.pub.pem >/dev/null
"$samp11" key generate --signer alice --type ec-p256 --id a1 >/dev/null

# sign N: signs docN.txt under SAD sadN (examples/sign_with_sad.c; it also loads the sanitizer
# build's module, which pkcs11-tool cannot). Returns sign_with_sad's exit code.
sign() {
  local rc=0
  "$build/sign_with_sad" "$build/libsamp11.so" a1 "@sad$1" "doc$1.txt" "doc$1.sig" \
    >"sign$1.txt" 2>&1 || rc=$?
  return $rc
}
for n in 1 2 3; do
  echo "document $n" >"doc$n.txt"
  "$samp11" sad issue --device-key dev.pem --signer alice --key-id a1 --hash-file "doc$n.txt" \
    >"sad$n"
done

sign 1 || { cat sign1.txt; fail "the first signature"; }
cp -a keystore aside                      # the attacker's (or the snapshot's) copy
sign 2 || { cat sign2.txt; fail "the second signature"; }
# A checkpoint of the log now, kept with the anchor (samp11 audit checkpoint).
"$samp11" audit checkpoint --append "$work/anchor-fs/checkpoints" >/dev/null
"$samp11" audit verify --checkpoints "$work/anchor-fs/checkpoints" | grep "holds every checkpoint" >/dev/null ||
  fail "a fresh checkpoint is not held"
"$samp11" audit checkpoint --public-key | grep "BEGIN PUBLIC KEY" >/dev/null || fail "--public-key"
rc=0; sign 2 || rc=$?
[[ $rc -eq 2 ]] || fail "SAD 2 signed twice before any rollback (exit $rc)"

# Put back: the copy knows nothing of SAD 2's spend.
rm -rf keystore && cp -a aside keystore
rm -f doc2.sig
rc=0; sign 2 || rc=$?
[[ $rc -eq 2 ]] || { cat sign2.txt; fail "SAD 2 signed again after a rollback (exit $rc)"; }
grep -q CKR_DEVICE_ERROR sign2.txt || { cat sign2.txt; fail "the refusal is not CKR_DEVICE_ERROR"; }
[[ ! -s doc2.sig ]] || fail "a signature was written after the rollback"
# Nor does a SAD never used: the keystore as a whole is not trusted.
rc=0; sign 3 || rc=$?
[[ $rc -eq 2 ]] || fail "SAD 3 signed on a rolled-back keystore (exit $rc)"

rc=0
out=$("$samp11" audit verify) || rc=$?
[[ $rc -eq 3 ]] || fail "verify of a rolled-back keystore exited $rc: $out"
# The checkpoint names it too, whatever the anchor says.
rc=0
out=$("$samp11" audit verify --checkpoints "$work/anchor-fs/checkpoints") || rc=$?
[[ $rc -eq 3 ]] || fail "verify --checkpoints of a rolled-back keystore exited $rc"
grep -Eq "checkpoint line 1 .*(the log is behind it|went another way)" <<<"$out" ||
  fail "the checkpoint does not name the rollback: $out"
grep -qF "rollback detected: the rollback anchor ($where) holds audit record" \
  <<<"$out" || fail "verify does not name the rollback: $out"
"$samp11" audit show --event rollback-detected | grep "rollback-detected error" >/dev/null ||
  fail "rollback-detected is not in the log"
# The refused attempts are recorded as refused for that reason, not as logins that went through.
"$samp11" audit show | grep -E " (sign|login-user|login-context) error .*: tampered: rollback detected" >/dev/null ||
  { "$samp11" audit show | tail -8; fail "the refused login is not recorded as such"; }
jti3=$(/usr/bin/python3 -c 'import sys,json,base64;p=open(sys.argv[1]).read().split(".")[1];p+="="*(-len(p)%4);print(json.loads(base64.urlsafe_b64decode(p))["jti"])' sad3)
"$samp11" audit show | grep -E " login-(user|context) ok .*jti=$jti3" >/dev/null &&
  fail "SAD 3's login is recorded as ok on a rolled-back keystore"


# The operator accepts (with a reason); the acceptance is recorded, and signing resumes.
rc=0
"$samp11" audit accept-rollback 2>/dev/null || rc=$?
[[ $rc -ne 0 ]] || fail "accept-rollback without --reason"
out=$("$samp11" audit accept-rollback --reason "INC-1234 storage restored") ||
  fail "accept-rollback: $out"
grep -q "rollback accepted" <<<"$out" || fail "accept-rollback said: $out"
"$samp11" audit show --event rollback-accepted | grep "INC-1234 storage restored" >/dev/null ||
  fail "the acceptance is not in the log"
# SADs issued before the acceptance are refused from then on: SAD 2's spend was lost with the
# rollback, and it must not sign again now.
rc=0; sign 2 || rc=$?
[[ $rc -eq 2 ]] || fail "SAD 2 signed again after the acceptance (exit $rc)"
grep -q "SAD issued before the keystore was restored from a backup or its rollback accepted" \
  sign2.txt || { cat sign2.txt; fail "SAD 2's refusal does not say why"; }
rc=0; sign 3 || rc=$?
[[ $rc -eq 2 ]] || fail "SAD 3, issued before the acceptance, signed (exit $rc)"
sleep 1  # the acceptance refuses SADs issued up to its own second
echo "document 4" >doc4.txt
"$samp11" sad issue --device-key dev.pem --signer alice --key-id a1 --hash-file doc4.txt >sad4
sign 4 || { cat sign4.txt; fail "signing after the acceptance"; }
out=$("$samp11" audit verify) || fail "verify after the acceptance: $out"
rc=0
"$samp11" audit accept-rollback --reason again >out.txt 2>&1 || rc=$?
[[ $rc -ne 0 ]] && grep -q "there is no rollback to accept" out.txt ||
  { cat out.txt; fail "a second acceptance with nothing to accept"; }

# A restore puts the keystore back on purpose: it moves the anchor itself, and says so.
"$samp11" backup --out "$work/t.backup" >/dev/null
echo "document 5" >doc5.txt
"$samp11" sad issue --device-key dev.pem --signer alice --key-id a1 --hash-file doc5.txt >sad5
sign 5 || { cat sign5.txt; fail "the signature after the backup"; }
out=$("$samp11" restore --in "$work/t.backup") || fail "restore: $out"
grep -qF "the rollback anchor ($where) now holds audit record" \
  <<<"$out" || fail "restore did not move the anchor: $out"
echo "document 6" >doc6.txt
"$samp11" sad issue --device-key dev.pem --signer alice --key-id a1 --hash-file doc6.txt >sad6
sign 6 || { cat sign6.txt; fail "signing after the restore"; }
rc=0; sign 5 || rc=$?
[[ $rc -eq 2 ]] || fail "SAD 5 signed again after the restore (exit $rc)"
"$samp11" audit verify >/dev/null || fail "verify after the restore"

echo "rollback_cli_test ($mode): ok"
