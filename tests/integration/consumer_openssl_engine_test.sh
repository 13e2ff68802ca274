#!/usr/bin/env bash
# OpenSSL 3 through the libp11 engine (libengine-pkcs11-openssl 0.4.12): pkeyutl -sign,
# dgst -sign, and a detached CMS signature of a document (cms -sign -noattr -binary), verified
# with cms -verify against the test CA. libp11 reads at most 32 characters of a PIN, so the token
# has a protected authentication path (libp11 logs in with no PIN) and the signer's SAD, bound to
# the document's SHA-256, is deposited beforehand. No prompt, no tty: setsid, stdin /dev/null.
# Usage: consumer_openssl_engine_test.sh BUILD_DIR
source "$(dirname "$0")/consumer_common.sh"
need openssl /usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so
examples=$(cd "$(dirname "$0")/../../examples" && pwd)
token=engine
new_token "$token" --protected-authentication-path
certified_key "$token" ec-p256 ec01 "/CN=Sam Signer EC"
certified_key "$token" rsa-2048 a501 "/CN=Sam Signer RSA"
cat > openssl.cnf <<CNF
openssl_conf = openssl_init
[openssl_init]
engines = engine_section
[engine_section]
pkcs11 = pkcs11_section
[pkcs11_section]
engine_id = pkcs11
MODULE_PATH = $module
init = 0
CNF
export OPENSSL_CONF="$work/openssl.cnf"
no_tty() { setsid -w "$@" </dev/null; }
uri() { echo "pkcs11:token=$token;id=%${1:0:2}%${1:2:2};type=private"; }
deposit() {  # KEY_ID FILE: the signer approves FILE; the SAD goes into the keystore
  sad "$token" "$1" "$2" > "$2.sad"
  "$samp11" --token "$token" sad deposit "$2.sad" >/dev/null
}
engine=(-engine pkcs11 -keyform engine)

# pkeyutl over a SHA-256 hash (CKM_ECDSA), dgst -sign (CKM_RSA_PKCS with a DigestInfo).
echo "signed with pkeyutl" > doc1
openssl dgst -sha256 -binary doc1 > doc1.h
deposit ec01 doc1
no_tty openssl pkeyutl "${engine[@]}" -inkey "$(uri ec01)" -sign -in doc1.h -out doc1.sig \
  2>err.txt || { cat err.txt; fail "pkeyutl -sign"; }
openssl pkeyutl -verify -pubin -inkey ec01.pub.pem -in doc1.h -sigfile doc1.sig | verified pkeyutl
echo "signed with dgst" > doc2
deposit a501 doc2
no_tty openssl dgst -sha256 "${engine[@]}" -sign "$(uri a501)" -out doc2.sig doc2 2>err.txt ||
  { cat err.txt; fail "dgst -sign"; }
openssl dgst -sha256 -verify a501.pub.pem -signature doc2.sig doc2 | verified "dgst -sign"

# CMS, detached, no signed attributes: the signature is over the document's own SHA-256, which
# is what the SAD binds. Both key types, signed by examples/openssl-engine-cms.sh; cms -verify
# checks the signature and the chain.
for id in ec01 a501; do
  printf 'Contract %s: a document signed as CMS through the libp11 engine.\n' "$id" > "$id.doc"
  deposit "$id" "$id.doc"
  "$examples/openssl-engine-cms.sh" "$module" "$token" "$id" "$id.pem" "$id.doc" "$id.p7s" \
    2>err.txt || { cat err.txt; fail "cms -sign with $id"; }
  openssl cms -verify -binary -inform DER -in "$id.p7s" -content "$id.doc" -CAfile ca.pem \
    -purpose any -out /dev/null 2>err.txt || { cat err.txt; fail "cms -verify of $id"; }
  grep -q "Verification successful" err.txt || { cat err.txt; fail "cms -verify of $id"; }
  # The same document again: its hash is spent.
  if no_tty openssl cms -sign "${engine[@]}" -inkey "$(uri "$id")" -signer "$id.pem" -md sha256 \
    -binary -noattr -in "$id.doc" -outform DER -out again.p7s 2>err.txt; then
    fail "a spent deposit signed a second CMS"
  fi
  grep -q "C_Sign: CKR_USER_NOT_LOGGED_IN" err.txt || { cat err.txt; fail "spent: refusal"; }
done
# With signed attributes (the default) the signature is over attributes holding the signing time,
# a hash nobody could approve beforehand: refused (issue 9's signing-time SAD provider serves it).
echo "with attributes" > doc3
deposit ec01 doc3
if no_tty openssl cms -sign "${engine[@]}" -inkey "$(uri ec01)" -signer ec01.pem -md sha256 \
  -binary -in doc3 -outform DER -out doc3.p7s 2>err.txt; then
  fail "a CMS with signed attributes was signed with a deposit for the document"
fi
grep -q "C_Sign: CKR_USER_NOT_LOGGED_IN" err.txt || { cat err.txt; fail "signed attributes: refusal"; }
# A document nobody approved.
echo "never approved" > doc4
if no_tty openssl cms -sign "${engine[@]}" -inkey "$(uri ec01)" -signer ec01.pem -md sha256 \
  -binary -noattr -in doc4 -outform DER -out doc4.p7s 2>err.txt; then
  fail "an unapproved document was signed"
fi
grep -q "C_Sign: CKR_USER_NOT_LOGGED_IN" err.txt || { cat err.txt; fail "unapproved: refusal"; }
echo "libp11 engine consumer: all checks passed"
