#!/usr/bin/env bash
# Sign a document with OpenSSL 3 and pkcs11-provider (Debian: bookworm-backports), the key named by
# a pkcs11: URI. pkcs11-provider logs in with pkcs11-module-token-pin and sends the same value as
# the context login of the always-authenticate key, so the SAD goes there, in a configuration
# written for this one document (mode 0600, removed after). `openssl dgst -sign` streams the whole
# document to CKM_SHA256_RSA_PKCS / CKM_ECDSA_SHA256; the module hashes it and checks the SAD.
# Usage: examples/openssl-provider-sign.sh MODULE TOKEN KEY_ID_HEX SAD_FILE DOCUMENT OUTPUT [CERT]
# With CERT: a detached CMS without signed attributes (DER), else a raw signature (openssl dgst).
set -euo pipefail
module=$1 token=$2 key_id=$3 sad_file=$4 document=$5 output=$6 cert=${7:-}
conf=$(mktemp)
trap 'rm -f "$conf"' EXIT
chmod 600 "$conf"
cat > "$conf" <<CNF
openssl_conf = openssl_init
[openssl_init]
providers = provider_sect
[provider_sect]
pkcs11 = pkcs11_sect
[pkcs11_sect]
pkcs11-module-path = $module
pkcs11-module-token-pin = $(tr -d '\n' < "$sad_file")
CNF
key="pkcs11:token=$token;id=$(sed 's/../%&/g' <<<"$key_id");type=private"
export OPENSSL_CONF=$conf
if [ -n "$cert" ]; then
  setsid -w openssl cms -sign -provider pkcs11 -provider default -inkey "$key" -signer "$cert" \
    -md sha256 -binary -noattr -in "$document" -outform DER -out "$output" </dev/null
else
  setsid -w openssl dgst -sha256 -provider pkcs11 -provider default -sign "$key" \
    -out "$output" "$document" </dev/null
fi
