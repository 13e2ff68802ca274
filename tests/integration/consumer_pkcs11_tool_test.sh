#!/usr/bin/env bash
# OpenSC's pkcs11-tool, everything it does with samp11: list slots and objects, --sign with every
# mechanism (the SAD as --pin: pkcs11-tool sends it to the user login and to the context login of
# the always-authenticate key), --read-object of the certificate and public key, --keypairgen
# where the token's policy allows it (refused where not), and --test on a SCAL1 token.
# openssl verifies every signature. Usage: consumer_pkcs11_tool_test.sh BUILD_DIR
source "$(dirname "$0")/consumer_common.sh"
need pkcs11-tool openssl python3
p11() { pkcs11-tool --module "$module" --token-label "$token" "$@"; }

token=tool
new_token "$token"
certified_key "$token" ec-p256 ec01 "/CN=Sam Signer"
key "$token" ec-p384 ec02
key "$token" rsa-2048 a501
key "$token" ed25519 ed01
echo "a document for every mechanism of pkcs11-tool" > doc
for alg in sha256 sha384 sha512; do openssl dgst -"$alg" -binary doc > "doc.$alg"; done

slots=$(pkcs11-tool --module "$module" --list-slots)
grep -q "token label *: $token" <<<"$slots" || fail "slot list does not show the token"
grep -q "pin min/max *: 1/16384" <<<"$slots" || fail "ulMaxPinLen is not the SAD limit"
objects=$(p11 --list-objects)
for id in ec01 ec02 a501 ed01; do grep -q "ID: *$id" <<<"$objects" || fail "key $id not listed"; done
grep -q "Certificate Object" <<<"$objects" || fail "the certificate is not listed"
[ "$(grep -c "always authenticate" <<<"$objects")" = 4 ] || fail "SCAL2 keys not always-authenticate"

# sign MECHANISM KEY_ID HASH_ALG INPUT [pkcs11-tool options]: a fresh SAD binding doc's HASH_ALG
# hash, then pkcs11-tool signs INPUT into MECHANISM.sig.
sign() {
  local mech=$1 id=$2 alg=$3 input=$4
  shift 4
  local s
  s=$(sad "$token" "$id" doc --hash-alg "$alg")
  p11 --login --pin "$s" --sign --mechanism "$mech" --id "$id" --input-file "$input" \
    --output-file "$mech.sig" "$@" 2>err.txt || { cat err.txt; fail "$mech with key $id"; }
}
ecdsa() { sign "$@" --signature-format openssl; }
pss() { openssl dgst -"$1" -verify "$2" -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:"$3" \
  -signature "$4" doc; }

# ECDSA: CKM_ECDSA takes the hash, the others hash the document in the module.
ecdsa ECDSA ec01 sha256 doc.sha256
openssl pkeyutl -verify -pubin -inkey ec01.pub.pem -in doc.sha256 -sigfile ECDSA.sig | verified ECDSA
for alg in sha256 sha384 sha512; do
  m=ECDSA-${alg^^}
  ecdsa "$m" ec01 "$alg" doc
  openssl dgst -"$alg" -verify ec01.pub.pem -signature "$m.sig" doc | verified "$m"
done
ecdsa ECDSA ec02 sha384 doc.sha384  # P-384 with a SHA-384 hash
openssl pkeyutl -verify -pubin -inkey ec02.pub.pem -in doc.sha384 -sigfile ECDSA.sig | verified P-384

# RSA PKCS#1 v1.5: CKM_RSA_PKCS takes a DigestInfo (here of SHA-256), the others the document.
{ printf '\x30\x31\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01\x05\x00\x04\x20'
  cat doc.sha256; } > doc.digestinfo
sign RSA-PKCS a501 sha256 doc.digestinfo
openssl dgst -sha256 -verify a501.pub.pem -signature RSA-PKCS.sig doc | verified RSA-PKCS
for alg in sha256 sha384 sha512; do
  m=${alg^^}-RSA-PKCS
  sign "$m" a501 "$alg" doc
  openssl dgst -"$alg" -verify a501.pub.pem -signature "$m.sig" doc | verified "$m"
done
# RSA-PSS: CKM_RSA_PKCS_PSS takes the hash, the others the document; salt as long as the hash.
sign RSA-PKCS-PSS a501 sha256 doc.sha256 --hash-algorithm SHA256 --mgf MGF1-SHA256 --salt-len 32
pss sha256 a501.pub.pem 32 RSA-PKCS-PSS.sig | verified RSA-PKCS-PSS
for alg in sha256:32 sha384:48 sha512:64; do
  a=${alg%:*} len=${alg#*:}
  m=${a^^}-RSA-PKCS-PSS
  sign "$m" a501 "$a" doc --mgf "MGF1-${a^^}" --salt-len "$len"
  pss "$a" a501.pub.pem "$len" "$m.sig" | verified "$m"
done
# Ed25519 (pure) over the document; the SAD binds its SHA-256.
sign EDDSA ed01 sha256 doc
openssl pkeyutl -verify -pubin -inkey ed01.pub.pem -rawin -in doc -sigfile EDDSA.sig | verified EDDSA

# Refusals: the hash is spent; another document; a SAD for another key; not a SAD.
s=$(sad "$token" ec01 doc)
p11 --login --pin "$s" --sign -m ECDSA-SHA256 --id ec01 -i doc -o once.sig >/dev/null 2>&1 ||
  fail "first use of a SAD"
if p11 --login --pin "$s" --sign -m ECDSA-SHA256 --id ec01 -i doc -o x.sig 2>err.txt; then
  fail "a spent SAD signed again"
fi
grep -q CKR_FUNCTION_REJECTED err.txt || { cat err.txt; fail "replay: wrong error"; }
echo "not approved" > other
if p11 --login --pin "$(sad "$token" ec01 doc)" --sign -m ECDSA-SHA256 --id ec01 -i other \
  -o x.sig 2>err.txt; then fail "a document the SAD does not bind was signed"; fi
grep -q CKR_FUNCTION_REJECTED err.txt || { cat err.txt; fail "unbound document: wrong error"; }
if p11 --login --pin "$(sad "$token" a501 doc)" --sign -m ECDSA-SHA256 --id ec01 -i doc \
  -o x.sig 2>err.txt; then fail "a SAD for another key signed"; fi
if p11 --login --pin 123456 --sign -m ECDSA-SHA256 --id ec01 -i doc -o x.sig 2>err.txt; then
  fail "a PIN signed with a SCAL2 key"
fi
grep -q CKR_PIN_INCORRECT err.txt || { cat err.txt; fail "not a SAD: wrong error"; }

# --read-object: the certificate and the public key, byte for byte what the token holds.
p11 --read-object --type cert --id ec01 --output-file cert.der
cmp cert.der <(openssl x509 -in ec01.pem -outform DER) || fail "--read-object cert differs"
p11 --read-object --type pubkey --id a501 --output-file pub.der
cmp pub.der <(openssl pkey -pubin -in a501.pub.pem -outform DER) || fail "--read-object pubkey"

# --keypairgen: refused while the policy says no (the mechanism is not offered) ...
login=$(sad "$token" ec01 doc)  # a user login with a SAD; keygen spends nothing
if p11 --login --pin "$login" --keypairgen --key-type EC:prime256v1 --id 9e01 --label gen \
  2>err.txt; then fail "key generation allowed against the policy"; fi
grep -q "CKR_MECHANISM_INVALID\|not supported" err.txt || { cat err.txt; fail "keygen refusal"; }
# ... made by the signer of the login SAD once allow_pkcs11_keygen is on; then it signs under SADs.
set_policy allow_pkcs11_keygen true
p11 --list-mechanisms | grep -q "ECDSA-KEY-PAIR-GEN\|EC-KEY-PAIR-GEN" || fail "keygen not offered"
for spec in EC:prime256v1:9e01 rsa:2048:9e02 EC:edwards25519:9e03; do
  p11 --login --pin "$login" --keypairgen --key-type "${spec%:*}" --id "${spec##*:}" \
    --label "gen-${spec##*:}" >/dev/null 2>err.txt || { cat err.txt; fail "keypairgen $spec"; }
done
"$samp11" --token "$token" key list | grep -q "9e01.*$signer" || fail "new key not bound to $signer"
for k in 9e01:ECDSA-SHA256 9e02:SHA256-RSA-PKCS 9e03:EDDSA; do
  id=${k%%:*} m=${k#*:}
  # pkcs11-tool 0.23 writes a DER SubjectPublicKeyInfo, but PEM for Ed25519: openssl reads both.
  # For an EC key its --read-object reads memory it has freed and fails at random ("cannot
  # create EVP_PKEY", docs/consumers.md): that key's SPKI is made from the CKA_EC_POINT that
  # pkcs11-tool lists (a DER OCTET STRING of the 65-byte P-256 point).
  if [ "$id" = 9e01 ]; then
    point=$(p11 -O --type pubkey | awk -v id="$id" '/EC_POINT:/ {p = $2} /^ *ID:/ && $2 == id {print p}')
    [ "${point:0:6}" = 044104 ] && [ ${#point} = 134 ] || fail "CKA_EC_POINT of $id: '$point'"
    spki=3059301306072a8648ce3d020106082a8648ce3d030107034200${point:4}
    printf "$(sed 's/../\\x&/g' <<<"$spki")" > "$id.pub.der"
  else
    p11 --read-object --type pubkey --id "$id" --output-file "$id.pub.der"
  fi
  openssl pkey -pubin -in "$id.pub.der" -out "$id.pub.pem"
  p11 --login --pin "$(sad "$token" "$id" doc)" --sign -m "$m" --id "$id" -i doc -o "$id.sig" \
    --signature-format openssl 2>err.txt || { cat err.txt; fail "new key $id does not sign"; }
  if [ "$m" = EDDSA ]; then
    openssl pkeyutl -verify -pubin -inkey "$id.pub.pem" -rawin -in doc \
      -sigfile "$id.sig" | verified "new key $id"
  else
    openssl dgst -sha256 -verify "$id.pub.pem" -signature "$id.sig" doc | verified "new key $id"
  fi
done

# --test on a SCAL1 token (sealing keys, a PIN login of their owner; docs/sad.md "SCAL1 keys").
seal=seal
new_token "$seal"
for k in ec-p256:5e01 ec-p384:5e02 ed25519:5e03; do
  key "$seal" "${k%:*}" "${k#*:}" --scal 1 --max-signatures 100 --max-seconds 600
done
SAMP11_PIN=seal-1234 "$samp11" --token "$seal" signer set-pin "$signer" >/dev/null
pkcs11-tool --module "$module" --token-label "$seal" --login --pin "$signer:seal-1234" --test \
  >test.out 2>&1 || { cat test.out; fail "pkcs11-tool --test on the SCAL1 token"; }
grep -q "No errors" test.out || { cat test.out; fail "pkcs11-tool --test reported errors"; }
# Its one RSA test signs a SHA-1 DigestInfo, which samp11 refuses for every key (docs/consumers.md):
# with an RSA key on the token, --test reports exactly that one error (its exit status stays 0).
key "$seal" rsa-2048 5e04 --scal 1 --max-signatures 100 --max-seconds 600
pkcs11-tool --module "$module" --token-label "$seal" --login --pin "$signer:seal-1234" --test \
  >test.out 2>&1 || true
grep -q "^1 errors" test.out && grep -q "RSA-PKCS: *ERR: C_Sign() returned CKR_DATA_INVALID" test.out ||
  { cat test.out; fail "--test with an RSA key: not exactly the SHA-1 refusal"; }
echo "pkcs11-tool consumer: all checks passed"
