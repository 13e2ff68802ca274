#!/usr/bin/env bash
# Java (OpenJDK 17's SunPKCS11): examples/SignWithSad.java, compiled here, loads the module from a
# SunPKCS11 configuration; KeyStore.load with a SAD as the password is the user login, and
# SHA256withECDSA / SHA256withRSA sign documents whose hashes the SADs bind, one document per
# login (AuthProvider.logout(), login(), the key fetched again). Java never sends a context login.
# Refusals: a document the SAD does not bind, a SAD used twice. keytool lists the entries.
# Usage: consumer_java_test.sh BUILD_DIR
source "$(dirname "$0")/consumer_common.sh"
need javac java keytool openssl
examples=$(cd "$(dirname "$0")/../../examples" && pwd)
javac -d classes "$examples/SignWithSad.java"
t=java
new_token "$t"
certified_key "$t" ec-p256 ec01 "/CN=Sam Signer EC"
certified_key "$t" rsa-2048 a501 "/CN=Sam Signer RSA"
printf 'name = samp11\nlibrary = %s\nslotListIndex = 0\n' "$module" > samp11.cfg
sign() { java -cp classes SignWithSad samp11.cfg "$@"; }
for i in 1 2 3; do
  echo "document $i for Java" > "doc$i"
  sad "$t" ec01 "doc$i" > "doc$i.sad"
done

keytool -list -storetype PKCS11 -providerclass sun.security.pkcs11.SunPKCS11 \
  -providerarg samp11.cfg -storepass "$(cat doc1.sad)" >out.txt 2>&1 || { cat out.txt; fail keytool; }
grep -q "sam-ec-p256, PrivateKeyEntry" out.txt && grep -q "sam-rsa-2048, PrivateKeyEntry" out.txt ||
  { cat out.txt; fail "keytool -list does not show both keys"; }
# Three documents in one JVM, a login per document.
sign sam-ec-p256 doc1.sad doc1 doc1.sig doc2.sad doc2 doc2.sig doc3.sad doc3 doc3.sig \
  >out.txt 2>&1 || { cat out.txt; fail "SHA256withECDSA, three documents"; }
for i in 1 2 3; do
  openssl dgst -sha256 -verify ec01.pub.pem -signature "doc$i.sig" "doc$i" | verified "doc$i"
done
sad "$t" a501 doc1 > rsa.sad
sign sam-rsa-2048 rsa.sad doc1 rsa.sig >out.txt 2>&1 || { cat out.txt; fail SHA256withRSA; }
openssl dgst -sha256 -verify a501.pub.pem -signature rsa.sig doc1 | verified SHA256withRSA

# The SADs are spent; a SAD for doc1 does not sign doc2.
sad "$t" ec01 doc1 > again.sad
if sign sam-ec-p256 doc1.sad doc1 x.sig >out.txt 2>&1; then fail "a spent SAD signed again"; fi
grep -q "CKR_FUNCTION_REJECTED" out.txt || { cat out.txt; fail "replay: wrong refusal"; }
if sign sam-ec-p256 again.sad doc2 x.sig >out.txt 2>&1; then fail "an unbound document signed"; fi
grep -q "CKR_FUNCTION_REJECTED" out.txt || { cat out.txt; fail "unbound: wrong refusal"; }
# Not a SAD: KeyStore.load fails.
echo 123456 > pin.txt
if sign sam-ec-p256 pin.txt doc2 x.sig >out.txt 2>&1; then fail "a PIN signed with a SCAL2 key"; fi
grep -q "CKR_PIN_INCORRECT" out.txt || { cat out.txt; fail "not a SAD: wrong refusal"; }
echo "Java consumer: all checks passed"
