#!/usr/bin/env bash
# Sign a PDF (PAdES, adbe.pkcs7.detached) with poppler's pdfsig through NSS, under SCAL2: pdfsig
# computes what it signs inside its run, so samp11 asks the signer's device for the SAD at
# C_Sign (the token's sad_provider; docs/sad.md, "Asking the signer"). The signer's device sees
# two requests: pdfsig first signs a size probe, then the document's signed attributes.
# Usage: examples/pdfsig-sign.sh NSS_DB "TOKEN:KEY_LABEL" IN.pdf OUT.pdf [LABEL]
# NSS_DB holds the samp11 module (modutil -add samp11 -libfile .../libsamp11.so) and the
# issuing CA. The token has a protected authentication path, so NSS logs in with no PIN; pdfsig
# still wants values for -nss-pwd and -kpw, which samp11 never sees. LABEL is shown on the
# signer's device as what the caller says it is signing.
set -euo pipefail
db=$1 nick=$2 in=$3 out=$4
SAMP11_SIGN_LABEL=${5:-$(basename "$in")} exec pdfsig -add-signature -nssdir "sql:$db" \
  -nss-pwd unused -kpw unused -nick "$nick" "$in" "$out"
