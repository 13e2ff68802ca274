#!/usr/bin/env bash
# samp11 key csr: a certificate request for a key that already signs, signed through the SAM's
# gate. EC, RSA and Ed25519 keys (the three ways a request is signed); a SAD given with --sad, a
# deposited one, the signer's device asked through the SAD provider; a SCAL1 key with its PIN.
# Refused: no SAD, a SAD for another request, the same SAD again, a wrong PIN. Each request is
# checked by openssl, and each signature is a "sign" record.
# Usage: key_csr_test.sh SAMP11_CLI
set -euo pipefail
samp11=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
export SAMP11_CONF="$work/samp11.json"

"$samp11" init --label csr --keystore "$work/t.db" --master-key "$work/m.key" >/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out dev.pem 2>/dev/null
openssl pkey -in dev.pem -pubout -out dev.pub.pem
"$samp11" signer add alice --activation-key dev.pub.pem >/dev/null
ec=ec01 rsa=5a01 ed=ed01
"$samp11" key generate --signer alice --type ec-p256 --id "$ec" --public-key ec.pub.pem >/dev/null
"$samp11" key generate --signer alice --type rsa-2048 --id "$rsa" >/dev/null
"$samp11" key generate --signer alice --type ed25519 --id "$ed" >/dev/null
signs() { "$samp11" audit show --event sign | grep -c " sign $1 " || true; }

# No SAD: refused, naming the hash to approve; nothing signed.
if "$samp11" key csr --key-id "$ec" --subject /CN=Alice --out none.csr 2>err.txt; then
  fail "a request was signed without a SAD"
fi
hash=$("$samp11" key csr --key-id "$ec" --subject /CN=Alice --print-hash)
[[ $hash =~ ^[0-9a-f]{64}$ ]] || fail "--print-hash said $hash"
grep -q "the request to approve has SHA-256 $hash" err.txt || fail "no hash named: $(cat err.txt)"
[ ! -e none.csr ] || fail "a refused request left a file"

# Each key type, with the SAD given here; openssl checks each request and its subject.
for id in "$ec" "$rsa" "$ed"; do
  h=$("$samp11" key csr --key-id "$id" --subject "/CN=Alice/O=Renewal $id" --print-hash)
  "$samp11" sad issue --device-key dev.pem --signer alice --key-id "$id" --hash "$h" > "$id.sad"
  "$samp11" key csr --key-id "$id" --subject "/CN=Alice/O=Renewal $id" --sad "@$id.sad" \
    --out "$id.csr" 2>/dev/null
  openssl req -in "$id.csr" -verify -noout 2>&1 | grep -q "verify OK" || fail "$id: request does not verify"
  openssl req -in "$id.csr" -noout -subject | grep -q "O = Renewal $id" || fail "$id: subject"
  # The same SAD again: spent.
  if "$samp11" key csr --key-id "$id" --subject "/CN=Alice/O=Renewal $id" --sad "@$id.sad" \
    --out again.csr 2>err.txt; then
    fail "$id: a spent SAD signed again"
  fi
  grep -q "hash already spent" err.txt || fail "$id: $(cat err.txt)"
done
# The request names the token's key.
openssl req -in "$ec.csr" -noout -pubkey | cmp -s - ec.pub.pem || fail "the request names another key"

# A SAD for another request (another subject): refused.
"$samp11" sad issue --device-key dev.pem --signer alice --key-id "$ec" --hash "$hash" > other.sad
if "$samp11" key csr --key-id "$ec" --subject /CN=Mallory --sad @other.sad --out m.csr 2>err.txt; then
  fail "a SAD for another request signed"
fi
grep -q "not bound by SAD" err.txt || fail "other request: $(cat err.txt)"

# A deposited SAD serves (any process on the keystore sees it).
"$samp11" sad deposit other.sad >/dev/null
"$samp11" key csr --key-id "$ec" --subject /CN=Alice --out deposited.csr 2>/dev/null
openssl req -in deposited.csr -verify -noout 2>&1 | grep -q "verify OK" || fail "deposit"

# The signer's device, asked through the token's SAD provider (it approves by policy).
echo '{"rules": [{"signer": "alice", "decision": "approve"}]}' > policy.json
"$samp11" token sad-provider exec --timeout 20 -- "$samp11" device answer --device-key "$work/dev.pem" \
  --signer alice --policy "$work/policy.json" >/dev/null
"$samp11" key csr --key-id "$rsa" --subject "/CN=Alice/O=Asked" --out asked.csr 2>/dev/null
openssl req -in asked.csr -verify -noout 2>&1 | grep -q "verify OK" || fail "pull path"
"$samp11" token sad-provider none >/dev/null

# SCAL1: the owner's PIN, from the environment.
SAMP11_PIN=Seal-1234 "$samp11" signer set-pin alice >/dev/null
"$samp11" key generate --signer alice --type ec-p256 --id 5ea1 --scal 1 --max-signatures 10 >/dev/null
if "$samp11" key csr --key-id 5ea1 --subject /CN=Seal --out seal.csr 2>err.txt; then fail "SCAL1 without PIN"; fi
grep -q "set SAMP11_PIN" err.txt || fail "SCAL1 without PIN: $(cat err.txt)"
if SAMP11_PIN=wrong "$samp11" key csr --key-id 5ea1 --subject /CN=Seal --out seal.csr 2>err.txt; then
  fail "SCAL1 with a wrong PIN"
fi
grep -q "wrong PIN" err.txt || fail "wrong PIN: $(cat err.txt)"
SAMP11_PIN=Seal-1234 "$samp11" key csr --key-id 5ea1 --subject /CN=Seal --out seal.csr 2>/dev/null
openssl req -in seal.csr -verify -noout 2>&1 | grep -q "verify OK" || fail "SCAL1 request"

# Unknown key, bad subject: refused with exit 1.
set +e
"$samp11" key csr --key-id ffff --subject /CN=x 2>/dev/null; [ $? -eq 1 ] || fail "unknown key"
"$samp11" key csr --key-id "$ec" --subject "no subject" 2>/dev/null; [ $? -eq 1 ] || fail "bad subject"
set -e

# Every signature is audited: 3 + deposit + asked + SCAL1 = 6 ok; refused: none, 3 spent, other.
[ "$(signs ok)" -eq 6 ] || fail "ok sign records: $(signs ok)"
[ "$(signs refused)" -ge 5 ] || fail "refused sign records: $(signs refused)"
"$samp11" audit show --event sign | grep -q "caller=$samp11" || fail "the CLI is not named as caller"
"$samp11" audit verify >/dev/null || fail "audit verify"
echo "key_csr_test: ok"
