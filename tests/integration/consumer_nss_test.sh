#!/usr/bin/env bash
# NSS 3.87 (libnss3-tools): modutil registers the module in an NSS database, certutil -L/-K
# -h TOKEN list its certificates and keys, and certutil -R -k ID makes a PKCS#10 request with a
# SCAL2 key. NSS logs in as the user with the password from -f, then on a fresh session does the
# context login itself with the same password, and signs the request info (CKM_ECDSA with its
# SHA-256, CKM_RSA_PKCS with a DigestInfo). The SAD in the password file binds that hash, which
# the signing service computes beforehand: the info is certutil's encoding of subject and key
# (shown on a software key, csr_info.py swaps in the token key). Usage: consumer_nss_test.sh BUILD
source "$(dirname "$0")/consumer_common.sh"
need modutil certutil openssl python3
here=$(cd "$(dirname "$0")" && pwd)
t=nss
new_token "$t"
certified_key "$t" ec-p256 ec01 "/CN=Sam Signer EC"
certified_key "$t" rsa-2048 a501 "/CN=Sam Signer RSA"
mkdir db
certutil -N -d sql:db --empty-password
modutil -dbdir sql:db -add samp11 -libfile "$module" -force >out.txt 2>&1 ||
  { cat out.txt; fail "modutil -add"; }
modutil -dbdir sql:db -list samp11 >out.txt 2>&1 || { cat out.txt; fail "modutil -list"; }
grep -q "Token Name: $t " out.txt || { cat out.txt; fail "modutil does not show the token"; }
nss() { certutil -d sql:db -h "$t" "$@"; }

# Listing needs NSS's login: any SAD of the signer verifies as the user login and spends nothing.
echo "a document" > doc
sad "$t" ec01 doc > login.pw
nss -L -f login.pw >out.txt 2>&1 || { cat out.txt; fail "certutil -L"; }
grep -q "$t:sam-ec-p256 *u,u,u" out.txt && grep -q "$t:sam-rsa-2048" out.txt ||
  { cat out.txt; fail "certutil -L does not list the certificates"; }
nss -K -f login.pw >out.txt 2>&1 || { cat out.txt; fail "certutil -K"; }
grep -Eq "ec +ec01 +sam-ec-p256" out.txt && grep -Eq "rsa +a501 +sam-rsa-2048" out.txt ||
  { cat out.txt; fail "certutil -K does not list the keys"; }

# certutil -R -k ID: the request info of subject and key, approved beforehand.
head -c 64 /dev/urandom > noise
for k in "ec01:-k ec -q nistp256" "a501:-k rsa -g 2048"; do
  id=${k%%:*} soft_key=${k#*:}
  subject="CN=Sam Signer $id,O=Example"
  # shellcheck disable=SC2086 # soft_key is several options
  certutil -R -d sql:db $soft_key -s "$subject" -Z SHA256 -z noise -o "soft.$id.csr" \
    >out.txt 2>&1 || { cat out.txt; fail "certutil -R with a software key ($soft_key)"; }
  python3 "$here/csr_info.py" swap "soft.$id.csr" "$id.pub.pem" > "$id.cri"
  sad "$t" "$id" "$id.cri" > "$id.pw"
  "$here/../../examples/nss-csr.sh" "$module" db "$t" "$id" "$id.pw" "$subject" "$id.csr" \
    >out.txt 2>&1 || { cat out.txt; fail "certutil -R -k $id (examples/nss-csr.sh)"; }
  openssl req -inform DER -in "$id.csr" -verify -noout 2>&1 | grep -q "verify OK" ||
    fail "the request made with $id does not verify"
  cmp "$id.cri" <(python3 "$here/csr_info.py" extract "$id.csr") ||
    fail "certutil signed another request info than the one approved"
  cmp <(openssl req -inform DER -in "$id.csr" -pubkey -noout) "$id.pub.pem" ||
    fail "the request does not carry key $id"
  # Once: the same password file again, the hash is spent.
  if nss -R -k "$id" -s "$subject" -Z SHA256 -f "$id.pw" -o x.csr >out.txt 2>&1; then
    fail "one SAD made two requests"
  fi
  grep -q "C_Sign: CKR_FUNCTION_REJECTED" out.txt || { cat out.txt; fail "replay: wrong refusal"; }
done
# Another subject than the approved one: the signature is refused, once (NSS does not retry).
if nss -R -k ec01 -s "CN=Mallory" -Z SHA256 -f login.pw -o x.csr >out.txt 2>&1; then
  fail "a request nobody approved was signed"
fi
[ "$(grep -c "C_Sign: CKR_FUNCTION_REJECTED" out.txt)" = 1 ] || { cat out.txt; fail "unapproved"; }
# A SAD for another key: the context login says CKR_PIN_INCORRECT, and NSS asks its password
# callback again; certutil's (a file) answers once, so one refused login ends it.
sad "$t" a501 ec01.cri > wrongkey.pw
if nss -R -k ec01 -s "CN=Sam Signer ec01,O=Example" -Z SHA256 -f wrongkey.pw -o x.csr \
  >out.txt 2>&1; then fail "a SAD for another key signed"; fi
[ "$(grep -c "C_Login: CKR_PIN_INCORRECT" out.txt)" = 1 ] || { cat out.txt; fail "wrong key"; }
echo "NSS consumer: all checks passed"
