#!/usr/bin/env bash
# The module's own checkpoints end to end, with the real module and CLI: a token configured with
# "checkpoints" (a file on "another file system" and a syslog socket, every 2 records) leaves
# signed checkpoints while it signs, which `samp11 audit verify --checkpoints` accepts from the
# file and from the syslog daemon's lines alike; then a keystore put back to an earlier copy is
# named "behind", and spent hashes deleted by hand are named, both from checkpoints the module
# wrote by itself (no anchor, no operator's timer). A sink that cannot take a line keeps the token
# closed.
# Usage: checkpoints_cli_test.sh BUILD_DIR
set -euo pipefail
# (no grep -q at the end of a pipe: the writer may get SIGPIPE, and pipefail fails the match.)
build=$(realpath "$1")
samp11="$build/samp11"
work=$(mktemp -d)
listener=
cleanup() {
  [[ -n $listener ]] && kill "$listener" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
export SAMP11_CONF="$work/samp11.json"
fail() { echo "FAIL: $*" >&2; exit 1; }
mkdir keystore offhost
db="$work/keystore/t.db"

# A syslog daemon's stand-in: every datagram to log.sock, one per line, in syslog.txt.
/usr/bin/python3 - "$work/log.sock" "$work/syslog.txt" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as out:
    while True:
        out.write(s.recv(65536).decode() + "\n")
        out.flush()
PY
listener=$!
for _ in $(seq 100); do [[ -S log.sock ]] && break; sleep 0.1; done
[[ -S log.sock ]] || fail "the syslog stand-in did not start"

"$samp11" init --label checkpoints --keystore "$db" --master-key "$work/m.key" >/dev/null
set_checkpoints() {
  /usr/bin/python3 - "$SAMP11_CONF" "$1" <<'PY'
import json, sys
path, checkpoints = sys.argv[1], json.loads(sys.argv[2])
config = json.load(open(path))
config["tokens"][0]["checkpoints"] = checkpoints
json.dump(config, open(path, "w"), indent=2)
PY
}
# A sink that cannot take a line: the token does not open, saying why.
set_checkpoints "{\"file\": \"$work/nowhere/checkpoints\"}"
rc=0
"$samp11" audit verify >out.txt 2>&1 || rc=$?
[[ $rc -ne 0 ]] || fail "a checkpoint file that cannot be written was accepted"
grep "nowhere/checkpoints cannot be opened for appending" out.txt >/dev/null ||
  { cat out.txt; fail "the refusal does not name the file"; }
set_checkpoints "{\"file\": \"$work/offhost/checkpoints\", \"syslog\": \"$work/log.sock\",
                  \"every_records\": 2, \"every_seconds\": 60}"

openssl genpkey -algorithm ED25519 -out dev.pem 2>/dev/null
openssl pkey -in dev.pem -pubout -out dev.pub.pem
"$samp11" signer add alice --activation-key dev.pub.pem >/dev/null
"$samp11" key generate --signer alice --type ec-p256 --id a1 >/dev/null
# Key management wrote durable records: the CLI's own process left a checkpoint when it closed.
[[ -s offhost/checkpoints ]] || fail "no checkpoint after key management"

sign() {
  local rc=0
  "$build/sign_with_sad" "$build/libsamp11.so" a1 "@sad$1" "doc$1.txt" "doc$1.sig" \
    >"sign$1.txt" 2>&1 || rc=$?
  return $rc
}
for n in 1 2 3 4; do
  echo "document $n" >"doc$n.txt"
  "$samp11" sad issue --device-key dev.pem --signer alice --key-id a1 --hash-file "doc$n.txt" \
    >"sad$n"
done
sign 1 || { cat sign1.txt; fail "the first signature"; }
cp -a keystore aside
for n in 2 3 4; do sign $n || { cat "sign$n.txt"; fail "signature $n"; }; done

lines=$(wc -l <offhost/checkpoints)
[[ $lines -ge 4 ]] || { cat offhost/checkpoints; fail "only $lines checkpoints"; }
last=$(tail -1 offhost/checkpoints)
/usr/bin/python3 - "$last" <<'PY' || fail "the last checkpoint does not cover the 4 signatures"
import json, sys
c = json.loads(sys.argv[1])
assert c["spent"] == 4, c
PY
out=$("$samp11" audit verify --checkpoints offhost/checkpoints) ||
  fail "verify --checkpoints of the module's checkpoints: $out"
grep "holds every checkpoint" <<<"$out" >/dev/null || fail "verify says: $out"
# The same checkpoints as a syslog daemon received them: tagged, authpriv.notice.
grep '^<85>.* samp11-checkpoint\[[0-9]*\]: {"samp11_checkpoint"' syslog.txt >/dev/null ||
  { cat syslog.txt; fail "no checkpoint datagram"; }
for _ in $(seq 50); do
  [[ $(grep -c samp11_checkpoint syslog.txt) -ge $lines ]] && break
  sleep 0.1
done
[[ $(grep -c samp11_checkpoint syslog.txt) -eq $lines ]] ||
  fail "syslog got $(grep -c samp11_checkpoint syslog.txt) checkpoints, the file $lines"
"$samp11" audit verify --checkpoints syslog.txt >/dev/null || fail "verify of the syslog lines"

# Spent hashes deleted by hand (a SAD that could sign again): named by the checkpoints.
/usr/bin/python3 - "$db" sad4 <<'PY'
import base64, json, sqlite3, sys
payload = open(sys.argv[2]).read().split(".")[1]
jti = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["jti"]
db = sqlite3.connect(sys.argv[1])
assert db.execute("DELETE FROM spent_hashes WHERE jti = ?", (jti,)).rowcount == 1
db.commit()
PY
rc=0
out=$("$samp11" audit verify --checkpoints offhost/checkpoints) || rc=$?
[[ $rc -eq 3 ]] || fail "verify with a spent hash deleted exited $rc: $out"
grep "the replay ledger holds 3 spent hashes, the checkpoint counted 4" <<<"$out" >/dev/null ||
  fail "the deletion is not named: $out"

# Put back to the copy made after the first signature: behind the module's checkpoints.
rm -rf keystore && cp -a aside keystore
rc=0
out=$("$samp11" audit verify --checkpoints offhost/checkpoints) || rc=$?
[[ $rc -eq 3 ]] || fail "verify of a put-back keystore exited $rc: $out"
grep -E "checkpoint line [0-9]+ .*the log is behind it" <<<"$out" >/dev/null ||
  fail "the put-back keystore is not named: $out"
echo "checkpoints_cli: OK ($lines checkpoints)"
