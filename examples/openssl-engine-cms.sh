#!/usr/bin/env bash
# A detached CMS signature of a document with OpenSSL 3 and the libp11 engine
# (libengine-pkcs11-openssl), without signed attributes: the signature is over the document's
# SHA-256, which the signer's SAD binds. libp11 takes PINs of at most 32 characters, so the token
# has a protected authentication path (samp11 init --protected-authentication-path) and the SAD is
# deposited first (samp11 sad deposit FILE). No prompt, no tty.
# Usage: examples/openssl-engine-cms.sh MODULE TOKEN KEY_ID_HEX CERT DOCUMENT OUTPUT.p7s
# Verify: openssl cms -verify -binary -inform DER -in OUTPUT.p7s -content DOCUMENT -CAfile CA
set -euo pipefail
module=$1 token=$2 key_id=$3 cert=$4 document=$5 output=$6
conf=$(mktemp)
trap 'rm -f "$conf"' EXIT
cat > "$conf" <<CNF
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
id=$(sed 's/../%&/g' <<<"$key_id")  # CKA_ID a11c -> %a1%1c
OPENSSL_CONF=$conf setsid -w openssl cms -sign -engine pkcs11 -keyform engine \
  -inkey "pkcs11:token=$token;id=$id;type=private" -signer "$cert" -md sha256 -binary -noattr \
  -in "$document" -outform DER -out "$output" </dev/null
