#!/usr/bin/env bash
# The key and signer lifecycle from the operator's command line, against the module as
# pkcs11-tool drives it, while another process keeps signing from the same keystore:
# disable/enable/destroy a key, revoke a device's or an issuer's key, certificate validity
# (`cert status`, an expired certificate from a real CA run, `cert export`), `key info`/`key list`
# in text and JSON, signer disable/enable/remove, the wrapped key gone from the raw files after a
# destroy, and the audit log intact at the end.
# Usage: lifecycle_cli_test.sh SAMP11_CLI MODULE CRASH_SIGNER
set -euo pipefail
samp11=$(realpath "$1")
module=$(realpath "$2")
signer=$(realpath "$3")
work=$(mktemp -d)
trap 'kill "${loop_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"
export SAMP11_CONF="$work/samp11.json"
fail() { echo "FAIL: $*" >&2; exit 1; }
p11() { pkcs11-tool --module "$module" "$@"; }

"$samp11" init --label lifecycle --keystore "$work/t.db" --master-key "$work/m.key" >/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out dev.pem 2>/dev/null
openssl pkey -in dev.pem -pubout -out dev.pub.pem
"$samp11" signer add alice --activation-key dev.pub.pem --kid alice-dev >/dev/null
"$samp11" signer add bob --activation-key dev.pub.pem --kid bob-dev >/dev/null
"$samp11" key generate --signer alice --id c0c0a001 >/dev/null  # the background loop's key
"$samp11" key generate --signer alice --id a11ce002 --public-key a.pub.pem >/dev/null
"$samp11" key generate --signer alice --id ce270003 --csr ce.csr --subject /CN=Alice >/dev/null
"$samp11" key generate --signer bob --id b0b00001 >/dev/null
"$samp11" key generate --signer bob --id b0b00002 >/dev/null
echo "a lifecycle document" > doc.txt
sad() {
  "$samp11" sad issue --device-key dev.pem --kid "$1-dev" --signer "$1" --key-id "$2" \
    --hash-file doc.txt
}
# sign ID SAD: exit status of pkcs11-tool; its errors in err.txt.
sign() {
  p11 --login --pin "$2" --sign --mechanism ECDSA-SHA256 --id "$1" --input-file doc.txt \
    --output-file sig.bin --signature-format openssl >/dev/null 2>err.txt
}

# Another process signs all along with its own key (and must never see an error).
docs=150
mkdir -p d/sigs
for i in $(seq 0 $((docs - 1))); do echo "loop document $i" > "d/$i.doc"; done
for i in $(seq 0 $((docs - 1))); do
  "$samp11" sad issue --device-key dev.pem --kid alice-dev --signer alice --key-id c0c0a001 \
    --hash-file "d/$i.doc" > "d/$i.sad"
done
"$signer" "$module" c0c0a001 d $docs sign 2 2>loop.err &
loop_pid=$!

# 1. Disable: CKR_KEY_FUNCTION_NOT_PERMITTED, visible in key info / key list; enable: the
#    SAD that was refused was not spent and now signs.
s=$(sad alice a11ce002)
"$samp11" key disable a11ce002 --reason "lost device" >/dev/null
if sign a11ce002 "$s"; then fail "a disabled key signed"; fi
grep -q CKR_KEY_FUNCTION_NOT_PERMITTED err.txt || { cat err.txt; fail "disabled: wrong error"; }
"$samp11" key info a11ce002 | grep -q "^state: key-disabled" || fail "key info: state"
"$samp11" key info a11ce002 --json | python3 -c '
import json, sys
j = json.load(sys.stdin)
assert j["id"] == "a11ce002" and j["signer"] == "alice" and j["status"] == "disabled", j
assert j["state"] == "key-disabled" and j["algorithm"] == "EC" and j["bits"] == 256, j
assert j["scal"] == 2 and j["certificate"] is None, j' || fail "key info --json"
"$samp11" key list | grep -E "^a11ce002 .* key-disabled " >/dev/null || fail "key list: state"
"$samp11" key enable a11ce002 >/dev/null
sign a11ce002 "$s" || { cat err.txt; fail "re-enabled key does not sign"; }
openssl dgst -sha256 -verify a.pub.pem -signature sig.bin doc.txt | grep -q "Verified OK"

# 2. Certificates from a real CA run: valid, then (a renewal gone wrong) only an expired one.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
  -subj /CN=Lifecycle-CA -days 30 2>/dev/null
mkdir ca && touch ca/index.txt && echo 01 > ca/serial
cat > ca.cnf <<'CNF'
[ca]
default_ca = d
[d]
database = ca/index.txt
serial = ca/serial
new_certs_dir = ca
default_md = sha256
policy = p
unique_subject = no
[p]
commonName = supplied
CNF
openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in ce.csr -out old.pem -notext \
  -startdate 20200101000000Z -enddate 20200201000000Z 2>/dev/null
"$samp11" cert import --key-id ce270003 --cert old.pem >/dev/null
set +e
"$samp11" cert status --key-id ce270003 >status.txt
rc=$?
set -e
[ $rc = 3 ] || fail "cert status of an expired certificate exited $rc, not 3"
grep -q "certificate-expired" status.txt || fail "cert status: $(cat status.txt)"
# Export: nothing valid now (exit 1, said so); --all gives the expired one.
if "$samp11" cert export --key-id ce270003 >/dev/null 2>err.txt; then fail "exported an expired cert"; fi
grep -q "no certificate valid now (1 stored" err.txt || { cat err.txt; fail "cert export: message"; }
"$samp11" cert export --key-id ce270003 --all | openssl x509 -noout -enddate | grep -q 2020 ||
  fail "cert export --all: not the expired certificate"
if sign ce270003 "$(sad alice ce270003)"; then fail "a key with an expired certificate signed"; fi
grep -q CKR_KEY_FUNCTION_NOT_PERMITTED err.txt || { cat err.txt; fail "expired: wrong error"; }
openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in ce.csr -out new.pem -notext \
  -days 5 2>/dev/null
"$samp11" cert import --key-id ce270003 --cert new.pem >/dev/null
"$samp11" cert status --key-id ce270003 | grep -q "usable" || fail "renewed certificate"
fp() { openssl x509 -noout -fingerprint -sha256 -in "$1"; }
"$samp11" cert export --key-id ce270003 --out exported.pem
[ "$(fp exported.pem)" = "$(fp new.pem)" ] || fail "cert export: not the renewed certificate"
[ "$("$samp11" cert export --key-id ce270003 --all | grep -c "BEGIN CERTIFICATE")" = 2 ] ||
  fail "cert export --all: not both certificates"
if "$samp11" cert export --key-id b0b00001 2>err.txt; then fail "exported a certificate of a key without one"; fi
grep -q "has no certificate" err.txt || { cat err.txt; fail "cert export of a key without one"; }
# The serial as the CA and `openssl x509 -serial` give it: the number, not its DER tag and length.
serial=$(openssl x509 -in new.pem -noout -serial | cut -d= -f2)
"$samp11" key info ce270003 --json | python3 -c '
import json, sys
c = json.load(sys.stdin)["certificate"]
assert c["valid_now"] and "Lifecycle-CA" in c["issuer"] and "Alice" in c["subject"], c
assert c["serial"] == sys.argv[1].lower(), (c["serial"], sys.argv[1])' "$serial" ||
  fail "key info: certificate"
sign ce270003 "$(sad alice ce270003)" || { cat err.txt; fail "renewed key does not sign"; }
# The CA revokes it: the operator destroys the key.
"$samp11" key destroy ce270003 --on-revocation >/dev/null
"$samp11" audit show --key-id ce270003 | grep "key-destroy" | grep -q "certificate revoked" ||
  fail "the revocation is not in the audit log"

# 3. Destroy: the wrapped key is gone from the raw files, the object from the token.
blob=$(sqlite3 t.db "SELECT hex(wrapped_private) FROM keys WHERE id = x'a11ce002'")
[ ${#blob} -gt 100 ] || fail "no wrapped key to look for"
find_blob() {
  python3 - "$blob" t.db t.db-wal <<'PY'
import os, sys
blob = bytes.fromhex(sys.argv[1])
pieces = [blob[16:48], blob[-32:]]
found = any(p in open(f, "rb").read() for f in sys.argv[2:] if os.path.exists(f) for p in pieces)
sys.exit(0 if found else 1)
PY
}
find_blob || fail "the search cannot find the blob even before the destroy"
"$samp11" key destroy a11ce002 --reason "signer request" >/dev/null
if find_blob; then fail "the destroyed key's wrapped blob is still in the keystore files"; fi
p11 --list-objects 2>/dev/null | grep -q "ID: *a11ce002" && fail "a destroyed key is listed"
"$samp11" key info a11ce002 | grep -q "^state: destroyed" || fail "key info of a destroyed key"
if "$samp11" key enable a11ce002 2>/dev/null; then fail "a destroyed key was enabled"; fi

# 4. Signers: disable stops their keys; remove needs the keys gone; the name is not reused.
wait "$loop_pid" || { cat loop.err; fail "the signing process saw an error"; }
loop_pid=
[ "$(ls d/sigs | wc -l)" = $docs ] || fail "the signing process did not sign every document"
s=$(sad bob b0b00001)
"$samp11" signer disable bob >/dev/null
"$samp11" signer list | grep -q "^bob (disabled)" || fail "signer list: status"
if sign b0b00001 "$s"; then fail "a disabled signer's key signed"; fi
grep -q CKR_KEY_FUNCTION_NOT_PERMITTED err.txt || { cat err.txt; fail "signer disabled: error"; }
"$samp11" signer enable bob >/dev/null
sign b0b00001 "$s" || { cat err.txt; fail "re-enabled signer's key does not sign"; }
if "$samp11" signer remove bob 2>err.txt; then fail "a signer with keys was removed"; fi
grep -q "destroy them first" err.txt || { cat err.txt; fail "remove: wrong message"; }
"$samp11" signer remove bob --destroy-keys --reason "contract ended" >/dev/null
"$samp11" signer list | grep -q "^bob" && fail "a removed signer is listed"
if "$samp11" signer add bob --activation-key dev.pub.pem 2>/dev/null; then
  fail "a removed signer's name was reused"
fi
if sign b0b00002 "$(sad bob b0b00002 2>/dev/null || echo x)"; then fail "a removed signer signed"; fi

# 5. Revocation: a lost device's key goes; SADs it signed are refused, fresh or deposited
#    before; the signer's other device still signs. An authorization server's key the same way.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out lost.pem 2>/dev/null
openssl pkey -in lost.pem -pubout -out lost.pub.pem
"$samp11" signer add-key alice --activation-key lost.pub.pem --kid alice-lost >/dev/null
lost_sad() {
  "$samp11" sad issue --device-key lost.pem --kid alice-lost --signer alice --key-id c0c0a001 \
    --hash-file "$1"
}
# deposit_sign FILE: signs FILE with a keystore deposit (no login), as PyKCS11 does; prints
# "signed" or the CK_RV's name.
deposit_sign() {
  /usr/bin/python3 - "$module" "$1" <<'PY'
import sys
import PyKCS11
lib = PyKCS11.PyKCS11Lib()
lib.load(sys.argv[1])
session = lib.openSession(lib.getSlotList(tokenPresent=True)[0])
key = session.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY),
                           (PyKCS11.CKA_ID, bytes.fromhex("c0c0a001"))])[0]
try:
    session.sign(key, open(sys.argv[2], "rb").read(), PyKCS11.Mechanism(PyKCS11.CKM_ECDSA_SHA256))
    print("signed")
except PyKCS11.PyKCS11Error as e:
    print(PyKCS11.CKR[e.value])
PY
}
echo "deposited and used before the loss" > used.txt
echo "deposited before the loss" > dep.txt
for f in used dep; do
  lost_sad $f.txt > $f.sad
  "$samp11" sad deposit $f.sad >/dev/null
done
[ "$(deposit_sign used.txt)" = signed ] || fail "a deposit of the second device does not sign"
s=$(lost_sad doc.txt)
if "$samp11" signer remove-key bob alice-lost 2>err.txt; then fail "another signer's key was removed"; fi
grep -q "device key of 'alice'" err.txt || { cat err.txt; fail "remove-key: wrong owner message"; }
if "$samp11" issuer remove alice alice-lost 2>/dev/null; then fail "a device key removed as an issuer's"; fi
"$samp11" signer remove-key alice alice-lost --reason "phone lost" | grep -q "removed" ||
  fail "remove-key said nothing"
"$samp11" signer list | grep -q alice-lost && fail "a removed device key is listed"
if sign c0c0a001 "$s"; then fail "a SAD of a removed device key signed"; fi
grep -q CKR_PIN_INCORRECT err.txt || { cat err.txt; fail "removed device key: wrong error"; }
[ "$(deposit_sign dep.txt 2>/dev/null)" = CKR_USER_NOT_LOGGED_IN ] ||
  fail "a SAD deposited under a removed device key was not refused"
sign c0c0a001 "$(sad alice c0c0a001)" || { cat err.txt; fail "the other device no longer signs"; }
if "$samp11" signer remove-key alice alice-lost 2>/dev/null; then fail "removed twice"; fi
"$samp11" audit show --event activation-key-remove | grep -q "phone lost" ||
  fail "the removal is not in the audit log"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out idp.pem 2>/dev/null
openssl pkey -in idp.pem -pubout -out idp.pub.pem
"$samp11" issuer add idp --key idp.pub.pem --kid idp-1 >/dev/null
"$samp11" issuer add idp --key idp.pub.pem --kid idp-2 >/dev/null
"$samp11" issuer add aaa-as --key idp.pub.pem --kid aaa-1 >/dev/null
"$samp11" signer list | grep -q "idp-1" || fail "issuer key not listed"
[ "$("$samp11" issuer list)" = "$(printf 'aaa-as  aaa-1  ES256\nidp  idp-1  ES256\nidp  idp-2  ES256')" ] ||
  fail "issuer list: $("$samp11" issuer list)"
"$samp11" issuer remove idp idp-1 --reason "key rotated" >/dev/null
"$samp11" signer list | grep -q "idp-1" && fail "a removed issuer key is listed"
"$samp11" issuer list | grep -q "idp-1" && fail "issuer list shows a removed key"
"$samp11" issuer list | grep -q "^idp  idp-2  ES256$" || fail "issuer list lost the other key"
# An authorization server's SAD signs; disabled, its SADs are refused (a fresh one at its login);
# enabled again, they sign.
idp_sad() {
  "$samp11" sad issue --device-key idp.pem --kid idp-2 --iss idp --signer alice \
    --key-id c0c0a001 --hash-file doc.txt
}
sign c0c0a001 "$(idp_sad)" || { cat err.txt; fail "the authorization server's SAD did not sign"; }
echo "deposited by the authorization server" > idp-dep.txt
"$samp11" sad issue --device-key idp.pem --kid idp-2 --iss idp --signer alice --key-id c0c0a001 \
  --hash-file idp-dep.txt > idp-dep.sad
"$samp11" sad deposit idp-dep.sad >/dev/null
"$samp11" issuer disable idp --reason "suspected compromise" >/dev/null
[ "$(deposit_sign idp-dep.txt)" != signed ] || fail "a disabled authorization server's deposit signed"
"$samp11" issuer list | grep -q "^idp  idp-2  ES256  disabled$" || fail "issuer list: not disabled"
if sign c0c0a001 "$(idp_sad)"; then fail "a disabled authorization server's SAD signed"; fi
grep -q "CKR_PIN_INCORRECT" err.txt || { cat err.txt; fail "disabled issuer: wrong refusal"; }
if "$samp11" issuer disable nobody 2>/dev/null; then fail "an unknown issuer was disabled"; fi
"$samp11" issuer enable idp >/dev/null
sign c0c0a001 "$(idp_sad)" || { cat err.txt; fail "the enabled authorization server's SAD"; }
[ "$(deposit_sign idp-dep.txt)" = signed ] || fail "the deposit, its server enabled again"
"$samp11" audit show --event issuer-disable | grep -q "idp-2: suspected compromise" ||
  fail "the disable is not in the audit log"

"$samp11" audit verify >/dev/null || fail "the audit log does not verify"
for event in key-disable key-enable key-destroy signer-disable signer-enable signer-remove \
  activation-key-remove issuer-disable issuer-enable; do
  "$samp11" audit show --event "$event" | grep -q . || fail "no $event record"
done
echo "lifecycle CLI: OK"
