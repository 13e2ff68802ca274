#!/usr/bin/env bash
# A PKCS#10 request signed by a SCAL2 key through GnuTLS's certtool, the key named by a pkcs11:
# URI whose pin-value is the SAD (GnuTLS sends it to the user login and to the context login).
# The SAD binds the SHA-256 of the request info certtool will encode from TEMPLATE and the key,
# which the signing service computes beforehand (tests/integration/csr_info.py shows how).
# Usage: examples/gnutls-csr.sh MODULE TOKEN KEY_ID_HEX SAD_FILE TEMPLATE OUTPUT.der
set -euo pipefail
module=$1 token=$2 key_id=$3 sad_file=$4 template=$5 output=$6
key="pkcs11:token=$token;id=$(sed 's/../%&/g' <<<"$key_id");type=private"
exec certtool --provider "$module" --generate-request --template "$template" --outder \
  --outfile "$output" --load-privkey "$key;pin-value=$(tr -d '\n' < "$sad_file")"
