#!/usr/bin/env bash
# GnuTLS 3.7 (gnutls-bin): p11tool and certtool with pkcs11: URIs. Lists the token's objects,
# signs with SCAL2 keys (the SAD as the URI's pin-value: GnuTLS sends it to the user login and
# to the context login) and with a SCAL1 key (its owner's PIN in GNUTLS_PIN). Two signatures
# whose data GnuTLS makes itself, both known beforehand so the signer can approve them:
# p11tool --test-sign signs the fixed text "Test data to sign" (SHA-256), and certtool
# --generate-request signs a request whose info is determined by subject, key and template
# (csr_info.py computes it before). Usage: consumer_gnutls_test.sh BUILD_DIR
source "$(dirname "$0")/consumer_common.sh"
need p11tool certtool openssl python3
here=$(cd "$(dirname "$0")" && pwd)
p11tool() { command p11tool --provider "$module" --batch "$@"; }
certtool() { command certtool --provider "$module" "$@"; }
t=gnutls
new_token "$t"
certified_key "$t" ec-p256 ec01 "/CN=Sam Signer"
key "$t" rsa-2048 a501
uri="pkcs11:token=$t"
key_uri() { echo "$uri;id=%${1:0:2}%${1:2:2};type=private"; }

# Listing. Without a login: tokens, every object's URL, the certificate. (A detailed --list-all
# imports each private key, which needs a login whose value fits GNUTLS_PIN: a PIN, not a SAD;
# the SCAL1 token below shows it.)
p11tool --list-tokens | grep -q "Label: $t" || fail "p11tool --list-tokens"
urls=$(p11tool --list-all --only-urls "$uri")
for want in "id=%EC%01;object=sam-ec-p256;type=private" "id=%EC%01;object=sam-ec-p256;type=public" \
  "id=%EC%01;object=sam-ec-p256;type=cert" "id=%A5%01;object=sam-rsa-2048;type=private"; do
  grep -q "$want" <<<"$urls" || fail "p11tool --list-all does not list $want"
done
p11tool --list-all-certs "$uri" | grep -q "Type: X.509 Certificate (EC/ECDSA-SECP256R1)" ||
  fail "p11tool --list-all-certs"
p11tool --export "$uri;id=%ec%01;type=cert" --outfile cert.pem
cmp <(openssl x509 -in cert.pem -outform DER) <(openssl x509 -in ec01.pem -outform DER) ||
  fail "p11tool --export: not the certificate"

# p11tool --test-sign with SCAL2 keys: SHA-256 of its fixed text, ECDSA and RSA PKCS#1 v1.5.
printf 'Test data to sign' > testdata
for id in ec01 a501; do
  s=$(sad "$t" "$id" testdata)
  p11tool --login --test-sign "$(key_uri "$id");pin-value=$s" >out.txt 2>&1 ||
    { cat out.txt; fail "p11tool --test-sign with $id"; }
  grep -q "Verifying against public key in the token... ok" out.txt || fail "test-sign $id"
  # Once: the hash is spent.
  if p11tool --login --test-sign "$(key_uri "$id");pin-value=$s" >out.txt 2>&1; then
    fail "p11tool --test-sign signed twice with one SAD"
  fi
  grep -q "CKR_FUNCTION_REJECTED" out.txt || { cat out.txt; fail "replay: wrong refusal"; }
done
# A SAD for another text: the login passes, the signature is refused.
echo "something else" > other
if p11tool --login --test-sign "$(key_uri ec01);pin-value=$(sad "$t" ec01 other)" >out.txt 2>&1; then
  fail "a SAD for another text signed p11tool's test data"
fi
grep -q "CKR_FUNCTION_REJECTED" out.txt || { cat out.txt; fail "unbound: wrong refusal"; }

# certtool --generate-request with the SCAL2 key. The signer approves the request's info, which
# the service computes beforehand: certtool's encoding of the template (shown on a software key),
# with the token key's public key.
printf 'cn = "Sam Signer"\norganization = "Example"\n' > req.tmpl
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out soft.pem
command certtool --generate-request --load-privkey soft.pem --template req.tmpl --outder \
  --outfile soft.csr 2>/dev/null
python3 "$here/csr_info.py" swap soft.csr ec01.pub.pem > expected.cri
s=$(sad "$t" ec01 expected.cri)
echo "$s" > ec01.req.sad
"$here/../../examples/gnutls-csr.sh" "$module" "$t" ec01 ec01.req.sad req.tmpl ec01.req >out.txt 2>&1 ||
  { cat out.txt; fail "certtool --generate-request (examples/gnutls-csr.sh)"; }
openssl req -inform DER -in ec01.req -verify -noout 2>&1 | grep -q "verify OK" ||
  fail "certtool's request does not verify"
cmp expected.cri <(python3 "$here/csr_info.py" extract ec01.req) ||
  fail "certtool signed another request info than the one approved"

# SCAL1: a sealing key on a token of its own, its owner's PIN as GNUTLS_PIN.
s1=seal
new_token "$s1"
key "$s1" ec-p256 5e01 --scal 1 --max-signatures 10 --max-seconds 600
SAMP11_PIN=seal-1234 "$samp11" --token "$s1" signer set-pin "$signer" >/dev/null
export GNUTLS_PIN="$signer:seal-1234"
seal_uri="pkcs11:token=$s1;id=%5e%01;type=private"
p11tool --login --list-all "pkcs11:token=$s1" >out.txt 2>&1 || { cat out.txt; fail "list SCAL1"; }
grep -q "Type: Private key (EC/ECDSA-SECP256R1)" out.txt || { cat out.txt; fail "list SCAL1"; }
p11tool --login --test-sign "$seal_uri" >out.txt 2>&1 || { cat out.txt; fail "SCAL1 test-sign"; }
grep -q "Verifying against public key in the token... ok" out.txt || fail "SCAL1 test-sign"
printf 'cn = "Sam Seal"\nserial = 7\nexpiration_days = 30\nsigning_key\n' > seal.tmpl
certtool --generate-self-signed --load-privkey "$seal_uri" --template seal.tmpl --outfile seal.pem \
  >out.txt 2>&1 || { cat out.txt; fail "certtool --generate-self-signed with the SCAL1 key"; }
openssl verify -CAfile seal.pem seal.pem | grep -q OK || fail "the SCAL1 self-signed certificate"
cmp <(openssl x509 -in seal.pem -pubkey -noout) 5e01.pub.pem || fail "seal certificate key"
# A wrong PIN: refused (and counted).
if GNUTLS_PIN="$signer:wrong-pin" p11tool --login --test-sign "$seal_uri" >out.txt 2>&1; then
  fail "a wrong PIN signed"
fi
echo "GnuTLS consumer: all checks passed"
