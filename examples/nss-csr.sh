#!/usr/bin/env bash
# A PKCS#10 request signed by a SCAL2 key through NSS's certutil. The module is registered in the
# NSS database (modutil) if it is not yet. NSS logs in with the password file's value and, per
# signature, does the context login itself with it again: the file holds the SAD, which binds
# the SHA-256 of the request info certutil encodes from SUBJECT and the key (computed beforehand
# by the signing service; tests/integration/csr_info.py shows how).
# Usage: examples/nss-csr.sh MODULE NSSDB_DIR TOKEN KEY_ID_HEX SAD_FILE SUBJECT OUTPUT.der
set -euo pipefail
module=$1 db=$2 token=$3 key_id=$4 sad_file=$5 subject=$6 output=$7
if ! modutil -dbdir "sql:$db" -list samp11 >/dev/null 2>&1; then
  modutil -dbdir "sql:$db" -add samp11 -libfile "$module" -force >/dev/null
fi
exec certutil -R -d "sql:$db" -h "$token" -k "$key_id" -s "$subject" -Z SHA256 -f "$sad_file" \
  -o "$output"
