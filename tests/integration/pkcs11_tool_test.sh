#!/usr/bin/env bash
# OpenSC's pkcs11-tool against the built module: list, sign with a SAD as the PIN (it goes to the
# user login and to the context-specific login), verify with openssl; refusals; replay.
# Usage: pkcs11_tool_test.sh BUILD_DIR
set -euo pipefail
build=$(realpath "$1")
module="$build/libsamp11.so"
samp11="$build/samp11"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export SAMP11_CONF="$work/samp11.json"
fail() { echo "FAIL: $*" >&2; exit 1; }
p11() { pkcs11-tool --module "$module" "$@"; }

"$samp11" init --label tooltest --keystore "$work/t.db" --master-key "$work/m.key" >/dev/null
openssl genpkey -algorithm ED25519 -out dev.pem
openssl pkey -in dev.pem -pubout -out dev.pub.pem
"$samp11" signer add carol --activation-key dev.pub.pem >/dev/null
"$samp11" key generate --signer carol --type ec-p256 --id c0ec --public-key ec.pub.pem >/dev/null
"$samp11" key generate --signer carol --type rsa-2048 --id c0a5 --public-key rsa.pub.pem >/dev/null
"$samp11" key generate --signer carol --type ed25519 --id c0ed --public-key ed.pub.pem >/dev/null
echo "a document for pkcs11-tool" > doc.txt
sad() { "$samp11" sad issue --device-key dev.pem --signer carol --key-id "$1" --hash-file doc.txt; }

p11 --list-slots | grep -q "token label *: tooltest" || fail "slot list does not show the token"
objects=$(p11 --list-objects)
for id in c0ec c0a5 c0ed; do
  grep -q "ID: *$id" <<<"$objects" || fail "object $id not listed"
done
grep -q "Access: *always authenticate" <<<"$objects" || fail "keys are not always-authenticate"
p11 --list-mechanisms | grep -q "ECDSA-SHA256" || fail "mechanism list lacks ECDSA-SHA256"

# ECDSA-SHA256: the module hashes the document; the SAD binds its SHA-256.
s=$(sad c0ec)
p11 --login --pin "$s" --sign --mechanism ECDSA-SHA256 --id c0ec --input-file doc.txt \
  --output-file ec.sig --signature-format openssl 2>err.txt || { cat err.txt; fail "ECDSA sign"; }
openssl dgst -sha256 -verify ec.pub.pem -signature ec.sig doc.txt | grep -q "Verified OK"
# The same SAD again: its hash is spent.
if p11 --login --pin "$s" --sign --mechanism ECDSA-SHA256 --id c0ec --input-file doc.txt \
  --output-file again.sig --signature-format openssl 2>err.txt; then fail "replay signed"; fi
grep -q "CKR_FUNCTION_REJECTED" err.txt || { cat err.txt; fail "replay: wrong error"; }

# RSA PKCS#1 v1.5 and PSS.
s=$(sad c0a5)
p11 --login --pin "$s" --sign --mechanism SHA256-RSA-PKCS --id c0a5 --input-file doc.txt \
  --output-file rsa.sig 2>err.txt || { cat err.txt; fail "RSA sign"; }
openssl dgst -sha256 -verify rsa.pub.pem -signature rsa.sig doc.txt | grep -q "Verified OK"
s=$(sad c0a5)
p11 --login --pin "$s" --sign --mechanism SHA256-RSA-PKCS-PSS --mgf MGF1-SHA256 --salt-len 32 \
  --id c0a5 --input-file doc.txt --output-file pss.sig 2>err.txt || { cat err.txt; fail "PSS"; }
openssl dgst -sha256 -verify rsa.pub.pem -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 \
  -signature pss.sig doc.txt | grep -q "Verified OK"

# Ed25519 over the whole document; the SAD binds the document's SHA-256.
s=$(sad c0ed)
p11 --login --pin "$s" --sign --mechanism EDDSA --id c0ed --input-file doc.txt \
  --output-file ed.sig 2>err.txt || { cat err.txt; fail "EdDSA sign"; }
openssl pkeyutl -verify -pubin -inkey ed.pub.pem -rawin -in doc.txt -sigfile ed.sig | \
  grep -q "Signature Verified Successfully"

# A SAD for another key, and a garbage PIN: the login is refused.
s=$(sad c0a5)
if p11 --login --pin "$s" --sign --mechanism ECDSA-SHA256 --id c0ec --input-file doc.txt \
  --output-file x.sig 2>err.txt; then fail "a SAD for another key signed"; fi
if p11 --login --pin "123456" --sign --mechanism ECDSA-SHA256 --id c0ec --input-file doc.txt \
  --output-file x.sig 2>err.txt; then fail "a PIN signed"; fi
grep -q "CKR_PIN_INCORRECT" err.txt || { cat err.txt; fail "garbage PIN: wrong error"; }

# SCAL1: a key activated by its owner's PIN ("NAME:PIN" as --pin), at most 2 signatures per login.
# It is not always-authenticate, so pkcs11-tool sends the PIN to the user login only. Each
# pkcs11-tool run is one login: two runs sign (the limit of one login is module_scal1_test.cc's).
"$samp11" key generate --signer carol --type ec-p256 --id 5ea1 --scal 1 --max-signatures 2 \
  --public-key seal.pub.pem >/dev/null
SAMP11_PIN=4321 "$samp11" signer set-pin carol >/dev/null
pin="carol:4321"
p11 --list-objects | grep -A8 "ID: *5ea1" | grep -q "always authenticate" &&
  fail "the SCAL1 key is always-authenticate"
for i in 1 2; do
  p11 --login --pin "$pin" --sign --mechanism ECDSA-SHA256 --id 5ea1 --input-file doc.txt \
    --output-file seal$i.sig --signature-format openssl 2>err.txt || { cat err.txt; fail "SCAL1 sign $i"; }
  openssl dgst -sha256 -verify seal.pub.pem -signature seal$i.sig doc.txt | grep -q "Verified OK" ||
    fail "SCAL1 signature $i does not verify"
done
# The PIN does not activate carol's SCAL2 key (pkcs11-tool sends it as the context login too).
if p11 --login --pin "$pin" --sign --mechanism ECDSA-SHA256 --id c0ec --input-file doc.txt \
  --output-file x.sig 2>err.txt; then fail "a PIN signed with a SCAL2 key"; fi
# A wrong PIN is refused and counted, and shows in the token flags.
if p11 --login --pin "carol:0000" --sign --mechanism ECDSA-SHA256 --id 5ea1 --input-file doc.txt \
  --output-file x.sig 2>err.txt; then fail "a wrong PIN signed"; fi
grep -q "CKR_PIN_INCORRECT" err.txt || { cat err.txt; fail "wrong PIN: wrong error"; }
p11 --list-token-slots | grep -qi "PIN count low" || fail "no PIN count low flag after a wrong PIN"
echo "pkcs11-tool: all checks passed"
