#!/usr/bin/env bash
# Sign a file with OpenSC's pkcs11-tool under a SAD.
# Usage: examples/pkcs11-tool-sign.sh MODULE KEY_ID_HEX SAD_FILE INPUT OUTPUT [MECHANISM]
# pkcs11-tool sends the --pin value to the user login and to the context-specific login of an
# always-authenticate key; samp11 verifies the SAD at both and spends its hash at C_Sign.
# MECHANISM defaults to ECDSA-SHA256 (others: SHA256-RSA-PKCS, SHA256-RSA-PKCS-PSS, EDDSA).
set -euo pipefail
module=$1 key_id=$2 sad_file=$3 input=$4 output=$5 mechanism=${6:-ECDSA-SHA256}
sad=$(tr -d '\n' < "$sad_file")
exec pkcs11-tool --module "$module" --login --pin "$sad" --sign --mechanism "$mechanism" \
  --id "$key_id" --input-file "$input" --output-file "$output" --signature-format openssl
