#!/usr/bin/env bash
# The pkcs11 key backend from the command line, against a real SoftHSMv2 token of its own:
# `samp11 key generate --backend softhsm` (with a CSR), a signature through pkcs11-tool with a SAD
# as the PIN, verified by openssl; `samp11 key import` of a key made by pkcs11-tool, refused for an
# extractable key, taken with a warning for a key that was written in (once readable); and the
# backend column of `samp11 key list`.
# Usage: softhsm_backend_cli_test.sh BUILD_DIR
set -euo pipefail
build=$(realpath "$1")
module="$build/libsamp11.so"
samp11="$build/samp11"
softhsm=/usr/lib/softhsm/libsofthsm2.so
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -r "$softhsm" ] || fail "$softhsm is missing (install softhsm2: scripts/install-deps.sh)"

# SoftHSM's own configuration and token folder: nothing of the machine's SoftHSM is touched.
mkdir tokens
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' \
  "$work" > softhsm2.conf
export SOFTHSM2_CONF="$work/softhsm2.conf"
inner_pin=$(openssl rand -hex 8)
softhsm2-util --init-token --free --label samp11-cli --pin "$inner_pin" \
  --so-pin "$(openssl rand -hex 8)" >/dev/null
(umask 077 && echo "$inner_pin" > inner.pin)
hsm() { pkcs11-tool --module "$softhsm" --token-label samp11-cli --login --pin "$inner_pin" "$@"; }
p11() { pkcs11-tool --module "$module" "$@"; }

# A samp11 token whose configuration names the inner token (key_backend stays "file": the
# pkcs11 backend is chosen per key with --backend).
export SAMP11_CONF="$work/samp11.json"
"$samp11" init --label clitest --keystore "$work/t.db" --master-key "$work/m.key" >/dev/null
/usr/bin/python3 - "$SAMP11_CONF" "$softhsm" "$work/inner.pin" <<'EOF'
import json, sys
path, module, pin_file = sys.argv[1:]
with open(path) as f:
    config = json.load(f)
config["tokens"][0]["pkcs11_backend"] = {
    "module": module, "token_label": "samp11-cli", "pin_file": pin_file}
with open(path, "w") as f:
    json.dump(config, f, indent=2)
EOF
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out dev.pem 2>/dev/null
openssl pkey -in dev.pem -pubout -out dev.pub.pem
"$samp11" signer add alice --activation-key dev.pub.pem >/dev/null
echo "a document signed by a key in SoftHSM" > doc.txt
sad() { "$samp11" sad issue --device-key dev.pem --signer alice --key-id "$1" --hash-file doc.txt; }
# ECDSA-SHA256 through samp11 with a fresh SAD as the PIN, verified with the key's public key.
sign_and_verify() {
  local id=$1 pub=$2
  p11 --login --pin "$(sad "$id")" --sign --mechanism ECDSA-SHA256 --id "$id" \
    --input-file doc.txt --output-file "$id.sig" --signature-format openssl 2>err.txt ||
    { cat err.txt; fail "signing with $id"; }
  openssl dgst -sha256 -verify "$pub" -signature "$id.sig" doc.txt | grep -q "Verified OK" ||
    fail "the signature of $id does not verify"
}

# 1. A key generated in SoftHSM by samp11, with a certificate request it signed there.
"$samp11" key generate --signer alice --backend softhsm --id a11ce5 --public-key gen.pub.pem \
  --csr gen.csr --subject "/CN=Alice/O=samp11 test" >out.txt || { cat out.txt; fail "generate"; }
grep -q "pkcs11 backend" out.txt || { cat out.txt; fail "generate does not name the backend"; }
openssl req -in gen.csr -noout -verify 2>&1 | grep -q "verify OK" || fail "the CSR does not verify"
openssl req -in gen.csr -noout -subject | grep -q "CN *= *Alice" || fail "the CSR subject"
cmp <(openssl req -in gen.csr -noout -pubkey) gen.pub.pem || fail "the CSR holds another key"
# In SoftHSM it is a token key that never leaves: private, sensitive, never extractable.
hsm --list-objects --type privkey >objects.txt
grep -A4 "ID: *a11ce5" objects.txt | grep -q "Access: *sensitive, always sensitive, never extractable" ||
  { cat objects.txt; fail "the generated inner key is not sensitive and never extractable"; }
sign_and_verify a11ce5 gen.pub.pem
# Its row is bound to the inner key: the same SAD twice is refused (the hash was spent).
s=$(sad a11ce5)
p11 --login --pin "$s" --sign --mechanism ECDSA-SHA256 --id a11ce5 --input-file doc.txt \
  --output-file once.sig --signature-format openssl 2>err.txt || { cat err.txt; fail "sign once"; }
if p11 --login --pin "$s" --sign --mechanism ECDSA-SHA256 --id a11ce5 --input-file doc.txt \
  --output-file twice.sig --signature-format openssl 2>err.txt; then fail "a SAD signed twice"; fi

# 2. A key pair made in SoftHSM by another tool (sensitive and never extractable by default),
# taken over by samp11 for alice.
hsm --keypairgen --key-type EC:prime256v1 --id 0a0b --label imported >/dev/null 2>&1
hsm --list-objects --type privkey | grep -A4 "ID: *0a0b" | grep -q "never extractable" ||
  fail "pkcs11-tool made an extractable key; the import test needs one that is not"
# Not listed by samp11 before the import: keys behind its back do not exist for it.
if p11 --list-objects | grep -q "ID: *0a0b"; then fail "an unbound inner key is listed"; fi
"$samp11" key import --signer alice --inner-id 0a0b --label imported --public-key imp.pub.pem \
  >out.txt 2>&1 || { cat out.txt; fail "import of a sensitive, never extractable key"; }
grep -q "warning" out.txt && { cat out.txt; fail "a never-extractable key imported with a warning"; }
p11 --list-objects | grep -q "ID: *0a0b" || fail "the imported key is not listed"
sign_and_verify 0a0b imp.pub.pem
# Taken once only.
if "$samp11" key import --signer alice --inner-id 0a0b >out.txt 2>&1; then
  fail "a key was imported twice"
fi

# 3. An extractable key is refused, with the reason.
hsm --keypairgen --key-type EC:prime256v1 --id 0c0d --label extractable --extractable \
  >/dev/null 2>&1
if "$samp11" key import --signer alice --inner-id 0c0d >out.txt 2>&1; then
  fail "an extractable key was imported"
fi
grep -q "CKA_EXTRACTABLE" out.txt || { cat out.txt; fail "the refusal does not say why"; }
if p11 --list-objects | grep -q "ID: *0c0d"; then fail "the refused key is listed"; fi

# 4. A private key written into SoftHSM (it existed outside the token before): sensitive now, so
# it is taken, but with a warning that copies of it may exist.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -outform DER -out written.der \
  2>/dev/null
openssl pkey -inform DER -in written.der -pubout -outform DER -out written.pub.der
hsm --write-object written.der --type privkey --id 0e0f --label written --usage-sign \
  --sensitive >/dev/null 2>&1
hsm --write-object written.pub.der --type pubkey --id 0e0f --label written >/dev/null 2>&1
"$samp11" key import --signer alice --inner-id 0e0f >out.txt 2>&1 ||
  { cat out.txt; fail "import of a written, sensitive key"; }
grep -q "warning: .*copies of it may exist" out.txt ||
  { cat out.txt; fail "no warning for a key that was once outside the token"; }
"$samp11" audit show --event key-import >audit.txt
grep -q "was once readable or extractable" audit.txt ||
  { cat audit.txt; fail "the import's audit record lacks the warning"; }
openssl pkey -pubin -inform DER -in written.pub.der -out written.pub.pem
sign_and_verify 0e0f written.pub.pem

# 5. A file key beside them; `samp11 key list` says where each key lives.
"$samp11" key generate --signer alice --id f11e --public-key file.pub.pem >/dev/null
sign_and_verify f11e file.pub.pem
"$samp11" key list >list.txt
for id in a11ce5 0a0b 0e0f; do
  grep -E "^$id .* pkcs11 " list.txt >/dev/null || { cat list.txt; fail "$id is not listed as pkcs11"; }
done
grep -E "^f11e .* file " list.txt >/dev/null || { cat list.txt; fail "f11e is not listed as file"; }
"$samp11" key list --json | grep '"id":"a11ce5"' | grep -q '"backend":"pkcs11"' ||
  fail "key list --json lacks the backend"
"$samp11" audit verify >/dev/null || fail "the audit log does not verify"
echo "softhsm backend CLI: all checks passed"
