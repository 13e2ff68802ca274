#!/usr/bin/env bash
# The pull path with the one-shot tools that hash inside their own run (issue "ask the signer"):
# pdfsig (PAdES through NSS, RSA and EC), jarsigner (SunPKCS11) and `openssl cms -sign` with
# signed attributes (libp11 engine). The token has a protected authentication path and an exec
# SAD provider: the reference device `samp11 device answer`, deciding by a policy file. Then a
# refused and a timed-out request (nothing spent), the deposit provider with
# `samp11 sad requests`, `samp11 sad refuse` and `samp11 device watch`, the device asking on the
# terminal, and pdfsig's login retry loop ended at once.
# Usage: signer_request_test.sh BUILD_DIR EXAMPLES_DIR
set -euo pipefail
build=$(realpath "$1")
examples=$(realpath "$2")
module="$build/libsamp11.so"
samp11="$build/samp11"
for tool in pdfsig certutil modutil jarsigner keytool jar javac openssl pkcs11-tool sqlite3 script; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed" >&2; exit 1; }
done
work=$(mktemp -d)
# KEEP=1 leaves the folder for a look after a failure.
trap '[ -n "${KEEP:-}" ] && echo "kept $work" || rm -rf "$work"' EXIT
cd "$work"
export SAMP11_CONF="$work/samp11.json"
fail() { echo "FAIL: $*" >&2; exit 1; }
# A consumer that exits without C_Finalize (Java, the libp11 engine) leaves its newest records in
# the signature journal beside t.db; reading the log through samp11 folds them into the file.
fold() { "$samp11" audit verify >/dev/null; }
count() { fold && sqlite3 t.db "SELECT count(*) FROM audit_log WHERE $1"; }
spent() { fold && sqlite3 t.db "SELECT count(*) FROM spent_hashes"; }

"$samp11" init --label pull --keystore "$work/t.db" --master-key "$work/m.key" \
  --protected-authentication-path >/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out dev.pem
openssl pkey -in dev.pem -pubout -out dev.pub.pem
"$samp11" signer add alice --activation-key dev.pub.pem >/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
  -subj "/CN=pull test CA" -days 30 2>/dev/null
for key in ec:ec-p256:a1ec rsa:rsa-2048:a15a; do
  IFS=: read -r name type id <<< "$key"
  "$samp11" key generate --signer alice --type "$type" --id "$id" --label "alice-$name" \
    --csr "$name.csr" --subject "/CN=Alice $name" >/dev/null
  openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
    -out "$name.pem" 2>/dev/null
  "$samp11" cert import --key-id "$id" --cert "$name.pem" --label "alice-$name" >/dev/null
done
# The phone: approves what it is asked, except what the caller labels refuse-me or ignore-me.
cat > policy.json <<'JSON'
{"rules": [
  {"label": "refuse-me", "decision": "refuse", "reason": "Alice said no"},
  {"label": "ignore-me", "decision": "ignore"},
  {"signer": "alice", "decision": "approve"}
]}
JSON
"$samp11" token sad-provider exec --timeout 20 -- "$samp11" device answer --device-key dev.pem \
  --signer alice --policy policy.json >/dev/null

# pdfsig, EC and RSA: two requests per PDF (the size probe, then the signed attributes).
cat > mkpdf.py <<'PY'
import sys
body = b"BT /F1 18 Tf 20 70 Td (" + sys.argv[2].encode() + b") Tj ET"
objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(body), body),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
out, offsets = bytearray(b"%PDF-1.7\n"), []
for i, o in enumerate(objs, 1):
    offsets.append(len(out))
    out += b"%d 0 obj\n%s\nendobj\n" % (i, o)
xref = len(out)
out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
open(sys.argv[1], "wb").write(out)
PY
mkdir nssdb
certutil -N -d sql:nssdb --empty-password
modutil -dbdir sql:nssdb -add samp11 -libfile "$module" -force >/dev/null 2>&1
certutil -A -d sql:nssdb -n "pull test CA" -t "CT,C,C" -i ca.pem
for name in ec rsa; do
  python3 mkpdf.py "$name.pdf" "Contract signed with the $name key"
  before=$(count "event = 'sad-request'")
  "$examples/pdfsig-sign.sh" nssdb "pull:alice-$name" "$name.pdf" "$name-signed.pdf" \
    "contract ($name)" 2>pdfsig.err || { cat pdfsig.err; fail "pdfsig $name"; }
  pdfsig -nssdir sql:nssdb "$name-signed.pdf" > verify.txt 2>/dev/null || true
  grep -q "Signature Validation: Signature is Valid" verify.txt || { cat verify.txt; fail "$name PDF"; }
  [ $(($(count "event = 'sad-request'") - before)) -eq 2 ] || fail "pdfsig $name: not 2 requests"
done
grep -q 'label:   "contract (rsa)"' pdfsig.err || { cat pdfsig.err; fail "the device did not see the label"; }

# jarsigner with the EC key (SHA256withECDSA); jarsigner -verify accepts the jar.
mkdir classes && echo 'public class Hello {}' > classes/Hello.java
(cd classes && javac Hello.java && jar cf ../app.jar Hello.class)
"$examples/jarsigner-sign.sh" "$module" alice-ec app.jar signed.jar >jar.out 2>&1 ||
  { cat jar.out; fail "jarsigner"; }
jarsigner -verify signed.jar | grep -q "jar verified" || fail "jarsigner -verify"

# openssl cms -sign with signed attributes through the libp11 engine, then cms -verify.
echo "a contract signed as CMS with signed attributes" > contract.txt
"$examples/openssl-cms-sign.sh" "$module" "pkcs11:token=pull;id=%a1%ec;type=private" ec.pem \
  contract.txt contract.p7s 2>cms.err || { cat cms.err; fail "openssl cms -sign"; }
openssl cms -verify -binary -inform DER -in contract.p7s -content contract.txt -CAfile ca.pem \
  -out /dev/null 2>/dev/null || fail "openssl cms -verify"
openssl cms -cmsout -print -inform DER -in contract.p7s | grep -q signedAttrs ||
  fail "no signed attributes"
[ "$(count "event = 'sign' AND outcome = 'ok' AND detail LIKE 'via signer-request; mechanism=CKM_% hash=sha%:% caller=/%'")" -eq 6 ] ||
  fail "not six signatures via signer-request"
# Each record names the program that signed (the caller), as the device saw it.
for program in pdfsig jarsigner openssl; do
  [ "$(count "event = 'sign' AND outcome = 'ok' AND detail LIKE '% caller=%/$program'")" -ge 1 ] ||
    fail "no sign record names $program as its caller"
done

# A refused request and a timed-out one: clean failures, nothing spent, each audited.
spent_before=$(spent)
if SAMP11_SIGN_LABEL=refuse-me "$examples/openssl-cms-sign.sh" "$module" \
  "pkcs11:token=pull;id=%a1%ec;type=private" ec.pem contract.txt refused.p7s 2>refused.err; then
  fail "a refused request signed"
fi
[ ! -s refused.p7s ] || fail "a refused request left a signature"
# libp11 tries a failed signature once more: the device is asked twice (docs/consumers.md).
[ "$(count "event = 'sad-answer' AND outcome = 'refused' AND detail LIKE '%Alice said no%'")" -ge 1 ] ||
  fail "the refusal is not in the audit log"
sed -i 's/"timeout_seconds": 20/"timeout_seconds": 2/' samp11.json
start=$(date +%s)
if SAMP11_SIGN_LABEL=ignore-me "$examples/openssl-cms-sign.sh" "$module" \
  "pkcs11:token=pull;id=%a1%ec;type=private" ec.pem contract.txt late.p7s 2>late.err; then
  fail "a request nobody answered signed"
fi
[ $(($(date +%s) - start)) -lt 15 ] || fail "the timeout did not end the wait"
[ "$(count "event = 'sad-answer' AND detail LIKE '%did not answer%'")" -ge 1 ] ||
  fail "the timeout is not in the audit log"
[ "$(spent)" -eq "$spent_before" ] || fail "a refused or timed-out request spent a hash"

# The deposit provider: the request waits in the keystore, listed by `samp11 sad requests`;
# refused with `samp11 sad refuse`, or answered by `samp11 device watch`.
"$samp11" token sad-provider deposit --timeout 20 >/dev/null
echo "deposit path document" > dep.txt
sign_dep() {
  pkcs11-tool --module "$module" --sign -m ECDSA-SHA256 --id a1ec -i dep.txt -o "$1" \
    --signature-format openssl --login 2>"$1.err"
}
sign_dep dep1.sig & signer=$!
for _ in $(seq 100); do
  id=$("$samp11" sad requests 2>/dev/null | awk '{print $1}' | head -1)
  [ -n "$id" ] && break
  sleep 0.05
done
[ -n "$id" ] || fail "no pending request listed"
"$samp11" sad requests --json | grep -q '"type":"samp11-activation-request"' || fail "requests --json"
"$samp11" sad refuse "$id" --reason "not this one" >/dev/null
if wait $signer; then fail "a refused deposit request signed"; fi
grep -q "CKR_FUNCTION_REJECTED" dep1.sig.err || { cat dep1.sig.err; fail "refusal not reported"; }
"$samp11" device watch --device-key dev.pem --signer alice --policy policy.json --count 1 --for 20 \
  2>watch.err & watcher=$!
sign_dep dep2.sig || { cat dep2.sig.err watch.err; fail "the deposit provider did not sign"; }
wait $watcher
openssl dgst -sha256 -verify <(openssl x509 -in ec.pem -pubkey -noout) -signature dep2.sig \
  dep.txt >/dev/null || fail "deposit-path signature"
# The phone asking its user on the terminal (no policy): `script` gives the run a terminal, whose
# input answers y, then n.
"$samp11" token sad-provider exec --timeout 20 -- "$samp11" device answer --device-key dev.pem \
  --signer alice >/dev/null
echo "approved on the terminal" > tty.txt
asked() {
  (sleep 0.5; echo "$1") | script -qec "pkcs11-tool --module $module --sign -m ECDSA-SHA256 \
    --id a1ec -i tty.txt -o $2 --signature-format openssl --login" /dev/null > "$2.out" 2>&1
}
asked y tty.sig
grep -q "Approve? \[y/N\]" tty.sig.out || { cat tty.sig.out; fail "the device did not ask"; }
openssl dgst -sha256 -verify <(openssl x509 -in ec.pem -pubkey -noout) -signature tty.sig \
  tty.txt >/dev/null || { cat tty.sig.out; fail "approved on the terminal: no signature"; }
if asked n tty2.sig; then fail "refused on the terminal, yet signed"; fi
grep -q "CKR_FUNCTION_REJECTED" tty2.sig.out || { cat tty2.sig.out; fail "refused on the terminal"; }

# NSS asks again after CKR_PIN_INCORRECT, and pdfsig answers with the same value for ever: on a
# token without a protected path, with a PIN as -kpw, the context login of the SCAL2 key refuses
# the PIN, the repeat ends the loop at once, and C_Sign then asks the phone as before.
"$samp11" token protected-path off >/dev/null
"$samp11" token sad-provider exec --timeout 20 -- "$samp11" device answer --device-key dev.pem \
  --signer alice --policy policy.json >/dev/null
SAMP11_PIN=4711 "$samp11" signer set-pin alice >/dev/null
python3 mkpdf.py loop.pdf "Signed after a refused login"
timeout 60 pdfsig -add-signature -nssdir sql:nssdb -nss-pwd alice:4711 -kpw alice:4711 \
  -nick "pull:alice-ec" loop.pdf loop-signed.pdf 2>loop.err || { cat loop.err; fail "pdfsig loop"; }
[ "$(count "event = 'login-context' AND outcome = 'refused'")" -eq 1 ] ||
  fail "the refused context login was verified more than once"
[ "$(count "event = 'login-repeat'")" -ge 1 ] || fail "the repeat is not recorded"
pdfsig -nssdir sql:nssdb loop-signed.pdf 2>/dev/null | grep -q "Signature is Valid" ||
  fail "pdfsig after the refused login"
"$samp11" audit verify >/dev/null || fail "the audit log does not verify"
echo "signer requests: all checks passed"
