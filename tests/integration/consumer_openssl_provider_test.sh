#!/usr/bin/env bash
# OpenSSL 3 through pkcs11-provider (1.0, Debian's bookworm-backports): pkeyutl -sign, dgst -sign
# (the whole document goes to CKM_SHA256_RSA_PKCS / CKM_ECDSA_SHA256 in parts: C_SignUpdate...
# C_SignFinal, the module hashes it) and a detached CMS signature (cms -sign -noattr -binary)
# verified with cms -verify; every key named by a pkcs11: URI, the provider loaded by -provider.
# Two ways in: (1) the SAD as the provider's token PIN (pkcs11-module-token-pin, one config per
# document): it logs in as the user with it and sends it again as the context login; (2) on a
# token with a protected authentication path, no PIN at all and the SAD deposited beforehand.
# No prompt, no tty. Usage: consumer_openssl_provider_test.sh BUILD_DIR
source "$(dirname "$0")/consumer_common.sh"
provider=/usr/lib/x86_64-linux-gnu/ossl-modules/pkcs11.so
spy=/usr/lib/x86_64-linux-gnu/pkcs11/pkcs11-spy.so
need openssl "$provider" "$spy"
examples=$(cd "$(dirname "$0")/../../examples" && pwd)
no_tty() { setsid -w "$@" </dev/null; }
uri() { echo "pkcs11:token=$1;id=%${2:0:2}%${2:2:2};type=private"; }
# conf [PIN] [MODULE]: the provider's configuration; -provider pkcs11 takes its parameters
conf() {
  printf 'openssl_conf = openssl_init\n[openssl_init]\nproviders = provider_sect\n'
  printf '[provider_sect]\npkcs11 = pkcs11_sect\n[pkcs11_sect]\n'
  printf 'pkcs11-module-path = %s\n' "${2:-$module}"
  [ -z "${1:-}" ] || printf 'pkcs11-module-token-pin = %s\n' "$1"
}
prov=(-provider pkcs11 -provider default)
cms_verify() {  # ID DOC P7S
  openssl cms -verify -binary -inform DER -in "$3" -content "$2" -CAfile ca.pem -purpose any \
    -out /dev/null 2>err.txt && grep -q "Verification successful" err.txt ||
    { cat err.txt; fail "cms -verify of $3"; }
}

# (1) The SAD as the token PIN.
t=prov
new_token "$t"
certified_key "$t" ec-p256 ec01 "/CN=Sam Signer EC"
certified_key "$t" rsa-2048 a501 "/CN=Sam Signer RSA"
# with_sad KEY_ID FILE: OPENSSL_CONF for one document, the SAD approving FILE as the token PIN
with_sad() {
  conf "$(sad "$t" "$1" "$2")" > "$2.cnf"
  chmod 600 "$2.cnf"
  export OPENSSL_CONF="$work/$2.cnf"
}
echo "signed with pkeyutl" > doc1
openssl dgst -sha256 -binary doc1 > doc1.h
with_sad ec01 doc1
no_tty openssl pkeyutl "${prov[@]}" -sign -inkey "$(uri $t ec01)" -in doc1.h -out doc1.sig \
  2>err.txt || { cat err.txt; fail "pkeyutl -sign"; }
openssl pkeyutl -verify -pubin -inkey ec01.pub.pem -in doc1.h -sigfile doc1.sig | verified pkeyutl
# dgst -sign of a 1 MiB document, through pkcs11-spy to see the calls: multi-part, module-hashed.
head -c 1048576 /dev/urandom > big
# (pkcs11-spy 0.23 names CKM_ECDSA_SHA256 by its number, 0x1044.)
for k in "a501:CKM_SHA256_RSA_PKCS" "ec01:(CKM_ECDSA_SHA256|0x00001044)"; do
  id=${k%%:*} mech=${k#*:}
  conf "$(sad "$t" "$id" big)" "$spy" > spy.cnf
  PKCS11SPY="$module" PKCS11SPY_OUTPUT="$work/spy.log" OPENSSL_CONF="$work/spy.cnf" \
    no_tty openssl dgst -sha256 "${prov[@]}" -sign "$(uri $t "$id")" -out "big.$id.sig" big \
    2>err.txt || { cat err.txt; fail "dgst -sign with $id"; }
  openssl dgst -sha256 -verify "$id.pub.pem" -signature "big.$id.sig" big | verified "dgst $id"
  grep -Eq "pMechanism->type = $mech\b" spy.log || fail "dgst -sign with $id did not use $mech"
  updates=$(grep -c "C_SignUpdate" spy.log)
  [ "$updates" -gt 1 ] && grep -q "C_SignFinal" spy.log || fail "dgst -sign not multi-part"
  rm spy.log
done
# CMS, detached, without signed attributes: the signature is over the document's hash. Signed by
# examples/openssl-provider-sign.sh, which writes the configuration with the SAD itself.
for id in ec01 a501; do
  printf 'Contract %s, signed as CMS through pkcs11-provider.\n' "$id" > "$id.doc"
  sad "$t" "$id" "$id.doc" > "$id.sad"
  "$examples/openssl-provider-sign.sh" "$module" "$t" "$id" "$id.sad" "$id.doc" "$id.p7s" \
    "$id.pem" 2>err.txt || { cat err.txt; fail "cms -sign with $id"; }
  cms_verify "$id" "$id.doc" "$id.p7s"
  # The same SAD again: the hash is spent.
  if "$examples/openssl-provider-sign.sh" "$module" "$t" "$id" "$id.sad" "$id.doc" x.p7s \
    "$id.pem" 2>err.txt; then fail "a spent SAD signed again"; fi
  grep -q "C_Sign.*CKR_FUNCTION_REJECTED" err.txt || { cat err.txt; fail "replay: wrong refusal"; }
done
# The example's raw signature: openssl dgst -sign.
echo "signed with the example" > doc8
sad "$t" a501 doc8 > doc8.sad
"$examples/openssl-provider-sign.sh" "$module" "$t" a501 doc8.sad doc8 doc8.sig 2>err.txt ||
  { cat err.txt; fail "examples/openssl-provider-sign.sh"; }
openssl dgst -sha256 -verify a501.pub.pem -signature doc8.sig doc8 | verified "the example"
# A SAD for another document; something that is not a SAD.
echo "not approved" > doc5
with_sad ec01 doc1
if no_tty openssl dgst -sha256 "${prov[@]}" -sign "$(uri $t ec01)" -out x.sig doc5 2>err.txt; then
  fail "a document the SAD does not bind was signed"
fi
grep -q "CKR_FUNCTION_REJECTED" err.txt || { cat err.txt; fail "unbound document: wrong refusal"; }
conf 123456 > pin.cnf
if OPENSSL_CONF="$work/pin.cnf" no_tty openssl dgst -sha256 "${prov[@]}" -sign "$(uri $t ec01)" \
  -out x.sig doc5 2>err.txt; then fail "a PIN signed with a SCAL2 key"; fi
grep -q "C_Login: CKR_PIN_INCORRECT" err.txt || { cat err.txt; fail "not a SAD: wrong refusal"; }

# (2) Protected authentication path: no PIN anywhere, the SAD deposited in the keystore.
t=protected
new_token "$t" --protected-authentication-path
certified_key "$t" ec-p256 ec11 "/CN=Sam Signer EC"
certified_key "$t" rsa-2048 a511 "/CN=Sam Signer RSA"
conf > nopin.cnf
export OPENSSL_CONF="$work/nopin.cnf"
deposit() {
  sad "$t" "$1" "$2" > "$2.sad"
  "$samp11" --token "$t" sad deposit "$2.sad" >/dev/null
}
echo "deposited for pkeyutl" > doc6
openssl dgst -sha256 -binary doc6 > doc6.h
deposit ec11 doc6
no_tty openssl pkeyutl "${prov[@]}" -sign -inkey "$(uri $t ec11)" -in doc6.h -out doc6.sig \
  2>err.txt || { cat err.txt; fail "pkeyutl -sign with a deposit"; }
openssl pkeyutl -verify -pubin -inkey ec11.pub.pem -in doc6.h -sigfile doc6.sig | verified deposit
deposit a511 big
no_tty openssl dgst -sha256 "${prov[@]}" -sign "$(uri $t a511)" -out big.sig big 2>err.txt ||
  { cat err.txt; fail "dgst -sign with a deposit"; }
openssl dgst -sha256 -verify a511.pub.pem -signature big.sig big | verified "dgst deposit"
echo "a CMS from a deposit" > doc7
deposit a511 doc7
no_tty openssl cms -sign "${prov[@]}" -inkey "$(uri $t a511)" -signer a511.pem -md sha256 \
  -binary -noattr -in doc7 -outform DER -out doc7.p7s 2>err.txt || { cat err.txt; fail "cms"; }
cms_verify a511 doc7 doc7.p7s
if no_tty openssl dgst -sha256 "${prov[@]}" -sign "$(uri $t a511)" -out x.sig doc7 2>err.txt; then
  fail "a spent deposit signed again"
fi
grep -q "C_Sign.*CKR_USER_NOT_LOGGED_IN" err.txt || { cat err.txt; fail "spent deposit: refusal"; }
echo "pkcs11-provider consumer: all checks passed"
