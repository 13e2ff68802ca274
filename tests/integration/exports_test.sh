#!/bin/sh
# Checks the symbols the built module exports: only PKCS#11 entry points (C_*), and all of them:
# the 68 functions of PKCS#11 2.40 plus C_GetInterfaceList and C_GetInterface of 3.0.
# Usage: exports_test.sh path/to/libsamp11.so
set -u

if [ $# -ne 1 ]; then
  echo "usage: $0 path/to/libsamp11.so" >&2
  exit 2
fi
lib=$1
if [ ! -f "$lib" ]; then
  echo "exports_test: no such file: $lib" >&2
  exit 2
fi

symbols=$(nm -D --defined-only "$lib" | awk 'NF >= 3 { print $3 }' | sed 's/@.*//' | sort -u)
if [ -z "$symbols" ]; then
  echo "exports_test: FAIL: $lib exports no symbols (or nm failed)" >&2
  exit 1
fi

status=0

foreign=$(printf '%s\n' "$symbols" | grep -v '^C_' || true)
if [ -n "$foreign" ]; then
  echo "exports_test: FAIL: symbols exported that are not PKCS#11 entry points (see pkcs11/exports.map):" >&2
  printf '  %s\n' $foreign >&2
  status=1
fi

required="C_Initialize C_Finalize C_GetInfo C_GetFunctionList C_GetSlotList C_GetSlotInfo
C_GetTokenInfo C_GetMechanismList C_GetMechanismInfo C_InitToken C_InitPIN C_SetPIN
C_OpenSession C_CloseSession C_CloseAllSessions C_GetSessionInfo C_GetOperationState
C_SetOperationState C_Login C_Logout C_CreateObject C_CopyObject C_DestroyObject C_GetObjectSize
C_GetAttributeValue C_SetAttributeValue C_FindObjectsInit C_FindObjects C_FindObjectsFinal
C_EncryptInit C_Encrypt C_EncryptUpdate C_EncryptFinal C_DecryptInit C_Decrypt C_DecryptUpdate
C_DecryptFinal C_DigestInit C_Digest C_DigestUpdate C_DigestKey C_DigestFinal C_SignInit C_Sign
C_SignUpdate C_SignFinal C_SignRecoverInit C_SignRecover C_VerifyInit C_Verify C_VerifyUpdate
C_VerifyFinal C_VerifyRecoverInit C_VerifyRecover C_DigestEncryptUpdate C_DecryptDigestUpdate
C_SignEncryptUpdate C_DecryptVerifyUpdate C_GenerateKey C_GenerateKeyPair C_WrapKey C_UnwrapKey
C_DeriveKey C_SeedRandom C_GenerateRandom C_GetFunctionStatus C_CancelFunction
C_WaitForSlotEvent
C_GetInterfaceList C_GetInterface"

count=0
missing=""
for f in $required; do
  count=$((count + 1))
  if ! printf '%s\n' "$symbols" | grep -qx "$f"; then
    missing="$missing $f"
  fi
done
if [ "$count" -ne 70 ]; then
  echo "exports_test: internal error: the required list has $count names, not 70" >&2
  exit 2
fi
if [ -n "$missing" ]; then
  echo "exports_test: FAIL: required PKCS#11 functions not exported:" >&2
  printf '  %s\n' $missing >&2
  status=1
fi

if [ "$status" -eq 0 ]; then
  echo "exports_test: ok: $(printf '%s\n' "$symbols" | wc -l) symbols, all C_*, all 70 required present"
fi
exit "$status"
