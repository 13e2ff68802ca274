#!/usr/bin/env bash
# A CMS signature with signed attributes (signing time, content digest) through OpenSSL's libp11
# engine, under SCAL2: openssl builds and hashes the signed attributes inside its run, so samp11
# asks the signer's device for the SAD at C_Sign (the token's sad_provider). No prompt, no tty:
# the token has a protected authentication path, so libp11 logs in with no PIN.
# Usage: examples/openssl-cms-sign.sh MODULE KEY_URI CERT IN OUT.p7s
#   KEY_URI e.g. "pkcs11:token=demo;id=%a1%1c%e0%01;type=private"
set -euo pipefail
module=$1 uri=$2 cert=$3 in=$4 out=$5
config=$(mktemp)
trap 'rm -f "$config"' EXIT
cat > "$config" <<CNF
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
OPENSSL_CONF=$config SAMP11_SIGN_LABEL=${SAMP11_SIGN_LABEL:-$(basename "$in")} \
  setsid -w openssl cms -sign -binary -in "$in" -signer "$cert" -engine pkcs11 \
  -keyform engine -inkey "$uri" -outform DER -out "$out" < /dev/null
