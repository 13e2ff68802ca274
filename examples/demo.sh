#!/usr/bin/env bash
# The samp11 demo, step by step. Usage: examples/demo.sh BUILD_DIR WORK_DIR
# Every step is what an operator, a signer's device and a signing application each do.
set -euo pipefail
examples=$(cd "$(dirname "$0")" && pwd)
build=$(realpath "${1:-build}")
work=${2:-demo-out}
rm -rf "$work"
mkdir -p "$work"
work=$(realpath "$work")
samp11="$build/samp11"
module="$build/libsamp11.so"
export SAMP11_CONF="$work/samp11.json"
cd "$work"
step() { printf '\n== %s\n' "$*"; }

step "1. The operator creates a token: keystore, master key (0600), config"
"$samp11" init --label demo --keystore "$work/demo.db" --master-key "$work/master.key"

step "2. Alice's device has a key pair; the operator enrols Alice with its public key"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out alice-device.pem
openssl pkey -in alice-device.pem -pubout -out alice-device.pub.pem
"$samp11" signer add alice --activation-key alice-device.pub.pem

step "3. A signing key is generated inside the module, bound to Alice for life (SCAL2)"
key_id=a11ce00000000001
"$samp11" key generate --signer alice --type ec-p256 --label alice-signing --id "$key_id" \
  --public-key alice-signing.pub.pem --csr alice-signing.csr --subject "/CN=Alice Example/O=Demo"
# A demo CA certifies the request; the certificate goes into the token beside the key.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
  -subj "/CN=samp11 demo CA" -days 30 2>/dev/null
openssl x509 -req -in alice-signing.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
  -out alice-signing.pem 2>/dev/null
"$samp11" cert import --key-id "$key_id" --cert alice-signing.pem

step "4. Alice approves one document on her device: a SAD bound to its SHA-256 hash"
printf 'I, Alice, agree to the terms of contract 42.\n' > contract.txt
"$samp11" sad issue --device-key alice-device.pem --signer alice --key-id "$key_id" \
  --hash-file contract.txt > contract.sad
echo "SAD ($(wc -c < contract.sad) bytes): $(cut -c1-60 contract.sad)..."

step "5. The signing application signs through PKCS#11 (C_SignInit, C_Login(CONTEXT_SPECIFIC, SAD), C_Sign)"
"$build/sign_with_sad" "$module" "$key_id" @contract.sad contract.txt contract.sig
openssl dgst -sha256 -verify alice-signing.pub.pem -signature contract.sig contract.txt

step "6. The same SAD again: refused, its hash is spent"
if "$build/sign_with_sad" "$module" "$key_id" @contract.sad contract.txt replay.sig; then
  echo "demo: a replayed SAD signed; this must never happen" >&2
  exit 1
fi

step "7. Another document without a SAD for it: refused"
printf 'Contract 43: Alice owes everything.\n' > other.txt
if "$build/sign_with_sad" "$module" "$key_id" @contract.sad other.txt other.sig; then
  echo "demo: a document the SAD does not bind was signed; this must never happen" >&2
  exit 1
fi

step "8. The same with OpenSC's pkcs11-tool, a fresh SAD passed as the PIN"
printf 'Invoice 7, approved by Alice.\n' > invoice.txt
"$samp11" sad issue --device-key alice-device.pem --signer alice --key-id "$key_id" \
  --hash-file invoice.txt > invoice.sad
"$examples/pkcs11-tool-sign.sh" "$module" "$key_id" invoice.sad invoice.txt invoice.sig
openssl dgst -sha256 -verify alice-signing.pub.pem -signature invoice.sig invoice.txt

step "9. A tool that hashes inside its own run (openssl cms, signed attributes): the module asks Alice's phone"
# The phone is `samp11 device`, holding Alice's device key; here it approves by a policy file
# (without --policy it asks on the terminal). The token gets a protected authentication path, so
# the tool logs in with no PIN: the SAD goes from the phone to the module, never through it.
cat > phone-policy.json <<'JSON'
{"rules": [{"signer": "alice", "caller": "openssl", "decision": "approve"}]}
JSON
"$samp11" token protected-path on
"$samp11" token sad-provider exec --timeout 60 -- "$samp11" device answer \
  --device-key alice-device.pem --signer alice --policy phone-policy.json
printf 'Purchase order 9, approved by Alice on her phone.\n' > order.txt
SAMP11_SIGN_LABEL="purchase order 9" "$examples/openssl-cms-sign.sh" "$module" \
  "pkcs11:token=demo;id=%a1%1c%e0%00%00%00%00%01;type=private" alice-signing.pem order.txt order.p7s
openssl cms -verify -binary -inform DER -in order.p7s -content order.txt -CAfile ca.pem -out /dev/null

step "10. Everything above is in the token's tamper-evident audit log"
"$samp11" audit show --event sign
"$samp11" audit verify

printf '\ndemo: done: three documents signed under SADs (one asked of the phone), a replay and an unbound document refused\n'
