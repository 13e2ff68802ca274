#!/usr/bin/env bash
# Sign a jar with the JDK's jarsigner through SunPKCS11, under SCAL2: jarsigner hashes the jar's
# signed attributes inside its run, so samp11 asks the signer's device for the SAD at C_Sign (the
# token's sad_provider). The token has a protected authentication path: Java logs in with no
# password (the -storepass value is required by jarsigner but never reaches samp11).
# Usage: examples/jarsigner-sign.sh MODULE ALIAS IN.jar OUT.jar
# ALIAS is the label of the key and its certificate in the token (`samp11 cert import --label`).
set -euo pipefail
module=$1 alias=$2 in=$3 out=$4
config=$(mktemp)
trap 'rm -f "$config"' EXIT
printf 'name = samp11\nlibrary = %s\nslot = 0\n' "$module" > "$config"
SAMP11_SIGN_LABEL=${SAMP11_SIGN_LABEL:-$(basename "$in")} jarsigner -keystore NONE \
  -storetype PKCS11 -providerClass sun.security.pkcs11.SunPKCS11 -providerArg "$config" \
  -storepass unused -signedjar "$out" "$in" "$alias"
