// Every PKCS#11 function, in the standard order, in one place. entry_points.cc stamps out the
// extern "C" wrappers from these tables, core.h declares the C++ core functions, and
// function_list.cc fills CK_FUNCTION_LIST (2.40) and CK_FUNCTION_LIST_3_0 in this order.
//
// X(name, core, (parameters), (arguments)): implemented by samp11::p11::core.
// U(name, (parameters), (arguments)): not offered; CKR_FUNCTION_NOT_SUPPORTED once initialized.
#pragma once

#include "cryptoki/pkcs11_v3.h"

#define SAMP11_P11_FUNCTIONS_V240(X, U)                                                            \
  X(C_Initialize, Initialize, (CK_VOID_PTR pInitArgs), (pInitArgs))                                \
  X(C_Finalize, Finalize, (CK_VOID_PTR pReserved), (pReserved))                                    \
  X(C_GetInfo, GetInfo, (CK_INFO_PTR pInfo), (pInfo))                                              \
  X(C_GetFunctionList, GetFunctionList, (CK_FUNCTION_LIST_PTR_PTR ppFunctionList),                 \
    (ppFunctionList))                                                                              \
  X(C_GetSlotList, GetSlotList,                                                                    \
    (CK_BBOOL tokenPresent, CK_SLOT_ID_PTR pSlotList, CK_ULONG_PTR pulCount),                      \
    (tokenPresent, pSlotList, pulCount))                                                           \
  X(C_GetSlotInfo, GetSlotInfo, (CK_SLOT_ID slotID, CK_SLOT_INFO_PTR pInfo), (slotID, pInfo))      \
  X(C_GetTokenInfo, GetTokenInfo, (CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo), (slotID, pInfo))   \
  X(C_GetMechanismList, GetMechanismList,                                                          \
    (CK_SLOT_ID slotID, CK_MECHANISM_TYPE_PTR pMechanismList, CK_ULONG_PTR pulCount),              \
    (slotID, pMechanismList, pulCount))                                                            \
  X(C_GetMechanismInfo, GetMechanismInfo,                                                          \
    (CK_SLOT_ID slotID, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR pInfo),                      \
    (slotID, type, pInfo))                                                                         \
  U(C_InitToken,                                                                                   \
    (CK_SLOT_ID slotID, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen, CK_UTF8CHAR_PTR pLabel),          \
    (slotID, pPin, ulPinLen, pLabel))                                                              \
  U(C_InitPIN, (CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen),              \
    (hSession, pPin, ulPinLen))                                                                    \
  U(C_SetPIN,                                                                                      \
    (CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pOldPin, CK_ULONG ulOldLen,                       \
     CK_UTF8CHAR_PTR pNewPin, CK_ULONG ulNewLen),                                                  \
    (hSession, pOldPin, ulOldLen, pNewPin, ulNewLen))                                              \
  X(C_OpenSession, OpenSession,                                                                    \
    (CK_SLOT_ID slotID, CK_FLAGS flags, CK_VOID_PTR pApplication, CK_NOTIFY Notify,                \
     CK_SESSION_HANDLE_PTR phSession),                                                             \
    (slotID, flags, pApplication, Notify, phSession))                                              \
  X(C_CloseSession, CloseSession, (CK_SESSION_HANDLE hSession), (hSession))                        \
  X(C_CloseAllSessions, CloseAllSessions, (CK_SLOT_ID slotID), (slotID))                           \
  X(C_GetSessionInfo, GetSessionInfo, (CK_SESSION_HANDLE hSession, CK_SESSION_INFO_PTR pInfo),     \
    (hSession, pInfo))                                                                             \
  U(C_GetOperationState,                                                                           \
    (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOperationState, CK_ULONG_PTR pulOperationStateLen),  \
    (hSession, pOperationState, pulOperationStateLen))                                             \
  U(C_SetOperationState,                                                                           \
    (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOperationState, CK_ULONG ulOperationStateLen,        \
     CK_OBJECT_HANDLE hEncryptionKey, CK_OBJECT_HANDLE hAuthenticationKey),                        \
    (hSession, pOperationState, ulOperationStateLen, hEncryptionKey, hAuthenticationKey))          \
  X(C_Login, Login,                                                                                \
    (CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen),  \
    (hSession, userType, pPin, ulPinLen))                                                          \
  X(C_Logout, Logout, (CK_SESSION_HANDLE hSession), (hSession))                                    \
  X(C_CreateObject, CreateObject,                                                                  \
    (CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount,                     \
     CK_OBJECT_HANDLE_PTR phObject),                                                               \
    (hSession, pTemplate, ulCount, phObject))                                                      \
  U(C_CopyObject,                                                                                  \
    (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ATTRIBUTE_PTR pTemplate,             \
     CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phNewObject),                                          \
    (hSession, hObject, pTemplate, ulCount, phNewObject))                                          \
  X(C_DestroyObject, DestroyObject, (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject),        \
    (hSession, hObject))                                                                           \
  U(C_GetObjectSize, (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ULONG_PTR pulSize), \
    (hSession, hObject, pulSize))                                                                  \
  X(C_GetAttributeValue, GetAttributeValue,                                                        \
    (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ATTRIBUTE_PTR pTemplate,             \
     CK_ULONG ulCount),                                                                            \
    (hSession, hObject, pTemplate, ulCount))                                                       \
  X(C_SetAttributeValue, SetAttributeValue,                                                        \
    (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ATTRIBUTE_PTR pTemplate,             \
     CK_ULONG ulCount),                                                                            \
    (hSession, hObject, pTemplate, ulCount))                                                       \
  X(C_FindObjectsInit, FindObjectsInit,                                                            \
    (CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount),                    \
    (hSession, pTemplate, ulCount))                                                                \
  X(C_FindObjects, FindObjects,                                                                    \
    (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE_PTR phObject, CK_ULONG ulMaxObjectCount,         \
     CK_ULONG_PTR pulObjectCount),                                                                 \
    (hSession, phObject, ulMaxObjectCount, pulObjectCount))                                        \
  X(C_FindObjectsFinal, FindObjectsFinal, (CK_SESSION_HANDLE hSession), (hSession))                \
  U(C_EncryptInit,                                                                                 \
    (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey),              \
    (hSession, pMechanism, hKey))                                                                  \
  U(C_Encrypt,                                                                                     \
    (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,                            \
     CK_BYTE_PTR pEncryptedData, CK_ULONG_PTR pulEncryptedDataLen),                                \
    (hSession, pData, ulDataLen, pEncryptedData, pulEncryptedDataLen))                             \
  U(C_EncryptUpdate,                                                                               \
    (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen,                            \
     CK_BYTE_PTR pEncryptedPart, CK_ULONG_PTR pulEncryptedPartLen),                                \
    (hSession, pPart, ulPartLen, pEncryptedPart, pulEncryptedPartLen))                             \
  U(C_EncryptFinal,                                                                                \
    (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pLastEncryptedPart,                                   \
     CK_ULONG_PTR pulLastEncryptedPartLen),                                                        \
    (hSession, pLastEncryptedPart, pulLastEncryptedPartLen))                                       \
  U(C_DecryptInit,                                                                                 \
    (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey),              \
    (hSession, pMechanism, hKey))                                                                  \
  U(C_Decrypt,                                                                                     \
    (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedData, CK_ULONG ulEncryptedDataLen,          \
     CK_BYTE_PTR pData, CK_ULONG_PTR pulDataLen),                                                  \
    (hSession, pEncryptedData, ulEncryptedDataLen, pData, pulDataLen))                             \
  U(C_DecryptUpdate,                                                                               \
    (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedPart, CK_ULONG ulEncryptedPartLen,          \
     CK_BYTE_PTR pPart, CK_ULONG_PTR pulPartLen),                                                  \
    (hSession, pEncryptedPart, ulEncryptedPartLen, pPart, pulPartLen))                             \
  U(C_DecryptFinal,                                                                                \
    (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pLastPart, CK_ULONG_PTR pulLastPartLen),              \
    (hSession, pLastPart, pulLastPartLen))                                                         \
  U(C_DigestInit, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism),                       \
    (hSession, pMechanism))                                                                        \
  U(C_Digest,                                                                                      \
    (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pDigest,       \
     CK_ULONG_PTR pulDigestLen),                                                                   \
    (hSession, pData, ulDataLen, pDigest, pulDigestLen))                                           \
  U(C_DigestUpdate, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen),           \
    (hSession, pPart, ulPartLen))                                                                  \
  U(C_DigestKey, (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hKey), (hSession, hKey))            \
  U(C_DigestFinal, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pDigest, CK_ULONG_PTR pulDigestLen),   \
    (hSession, pDigest, pulDigestLen))                                                             \
  X(C_SignInit, SignInit,                                                                          \
    (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey),              \
    (hSession, pMechanism, hKey))                                                                  \
  X(C_Sign, Sign,                                                                                  \
    (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,    \
     CK_ULONG_PTR pulSignatureLen),                                                                \
    (hSession, pData, ulDataLen, pSignature, pulSignatureLen))                                     \
  X(C_SignUpdate, SignUpdate, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen), \
    (hSession, pPart, ulPartLen))                                                                  \
  X(C_SignFinal, SignFinal,                                                                        \
    (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen),            \
    (hSession, pSignature, pulSignatureLen))                                                       \
  U(C_SignRecoverInit,                                                                             \
    (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey),              \
    (hSession, pMechanism, hKey))                                                                  \
  U(C_SignRecover,                                                                                 \
    (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,    \
     CK_ULONG_PTR pulSignatureLen),                                                                \
    (hSession, pData, ulDataLen, pSignature, pulSignatureLen))                                     \
  X(C_VerifyInit, VerifyInit,                                                                      \
    (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey),              \
    (hSession, pMechanism, hKey))                                                                  \
  X(C_Verify, Verify,                                                                              \
    (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,    \
     CK_ULONG ulSignatureLen),                                                                     \
    (hSession, pData, ulDataLen, pSignature, ulSignatureLen))                                      \
  X(C_VerifyUpdate, VerifyUpdate,                                                                  \
    (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen),                           \
    (hSession, pPart, ulPartLen))                                                                  \
  X(C_VerifyFinal, VerifyFinal,                                                                    \
    (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen),                 \
    (hSession, pSignature, ulSignatureLen))                                                        \
  U(C_VerifyRecoverInit,                                                                           \
    (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey),              \
    (hSession, pMechanism, hKey))                                                                  \
  U(C_VerifyRecover,                                                                               \
    (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen,                  \
     CK_BYTE_PTR pData, CK_ULONG_PTR pulDataLen),                                                  \
    (hSession, pSignature, ulSignatureLen, pData, pulDataLen))                                     \
  U(C_DigestEncryptUpdate,                                                                         \
    (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen,                            \
     CK_BYTE_PTR pEncryptedPart, CK_ULONG_PTR pulEncryptedPartLen),                                \
    (hSession, pPart, ulPartLen, pEncryptedPart, pulEncryptedPartLen))                             \
  U(C_DecryptDigestUpdate,                                                                         \
    (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedPart, CK_ULONG ulEncryptedPartLen,          \
     CK_BYTE_PTR pPart, CK_ULONG_PTR pulPartLen),                                                  \
    (hSession, pEncryptedPart, ulEncryptedPartLen, pPart, pulPartLen))                             \
  U(C_SignEncryptUpdate,                                                                           \
    (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen,                            \
     CK_BYTE_PTR pEncryptedPart, CK_ULONG_PTR pulEncryptedPartLen),                                \
    (hSession, pPart, ulPartLen, pEncryptedPart, pulEncryptedPartLen))                             \
  U(C_DecryptVerifyUpdate,                                                                         \
    (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedPart, CK_ULONG ulEncryptedPartLen,          \
     CK_BYTE_PTR pPart, CK_ULONG_PTR pulPartLen),                                                  \
    (hSession, pEncryptedPart, ulEncryptedPartLen, pPart, pulPartLen))                             \
  U(C_GenerateKey,                                                                                 \
    (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_ATTRIBUTE_PTR pTemplate,          \
     CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phKey),                                                \
    (hSession, pMechanism, pTemplate, ulCount, phKey))                                             \
  X(C_GenerateKeyPair, GenerateKeyPair,                                                            \
    (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_ATTRIBUTE_PTR pPublicKeyTemplate, \
     CK_ULONG ulPublicKeyAttributeCount, CK_ATTRIBUTE_PTR pPrivateKeyTemplate,                     \
     CK_ULONG ulPrivateKeyAttributeCount, CK_OBJECT_HANDLE_PTR phPublicKey,                        \
     CK_OBJECT_HANDLE_PTR phPrivateKey),                                                           \
    (hSession, pMechanism, pPublicKeyTemplate, ulPublicKeyAttributeCount, pPrivateKeyTemplate,     \
     ulPrivateKeyAttributeCount, phPublicKey, phPrivateKey))                                       \
  U(C_WrapKey,                                                                                     \
    (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hWrappingKey,       \
     CK_OBJECT_HANDLE hKey, CK_BYTE_PTR pWrappedKey, CK_ULONG_PTR pulWrappedKeyLen),               \
    (hSession, pMechanism, hWrappingKey, hKey, pWrappedKey, pulWrappedKeyLen))                     \
  U(C_UnwrapKey,                                                                                   \
    (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hUnwrappingKey,     \
     CK_BYTE_PTR pWrappedKey, CK_ULONG ulWrappedKeyLen, CK_ATTRIBUTE_PTR pTemplate,                \
     CK_ULONG ulAttributeCount, CK_OBJECT_HANDLE_PTR phKey),                                       \
    (hSession, pMechanism, hUnwrappingKey, pWrappedKey, ulWrappedKeyLen, pTemplate,                \
     ulAttributeCount, phKey))                                                                     \
  U(C_DeriveKey,                                                                                   \
    (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hBaseKey,           \
     CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulAttributeCount, CK_OBJECT_HANDLE_PTR phKey),           \
    (hSession, pMechanism, hBaseKey, pTemplate, ulAttributeCount, phKey))                          \
  X(C_SeedRandom, SeedRandom, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSeed, CK_ULONG ulSeedLen), \
    (hSession, pSeed, ulSeedLen))                                                                  \
  X(C_GenerateRandom, GenerateRandom,                                                              \
    (CK_SESSION_HANDLE hSession, CK_BYTE_PTR RandomData, CK_ULONG ulRandomLen),                    \
    (hSession, RandomData, ulRandomLen))                                                           \
  X(C_GetFunctionStatus, GetFunctionStatus, (CK_SESSION_HANDLE hSession), (hSession))              \
  X(C_CancelFunction, CancelFunction, (CK_SESSION_HANDLE hSession), (hSession))                    \
  U(C_WaitForSlotEvent, (CK_FLAGS flags, CK_SLOT_ID_PTR pSlot, CK_VOID_PTR pReserved),             \
    (flags, pSlot, pReserved))

#define SAMP11_P11_FUNCTIONS_V30(X, U)                                                             \
  X(C_GetInterfaceList, GetInterfaceList,                                                          \
    (CK_INTERFACE_PTR pInterfacesList, CK_ULONG_PTR pulCount), (pInterfacesList, pulCount))        \
  X(C_GetInterface, GetInterface,                                                                  \
    (CK_UTF8CHAR_PTR pInterfaceName, CK_VERSION_PTR pVersion, CK_INTERFACE_PTR_PTR ppInterface,    \
     CK_FLAGS flags),                                                                              \
    (pInterfaceName, pVersion, ppInterface, flags))                                                \
  U(C_LoginUser,                                                                                   \
    (CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen,   \
     CK_UTF8CHAR_PTR pUsername, CK_ULONG ulUsernameLen),                                           \
    (hSession, userType, pPin, ulPinLen, pUsername, ulUsernameLen))                                \
  X(C_SessionCancel, SessionCancel, (CK_SESSION_HANDLE hSession, CK_FLAGS flags),                  \
    (hSession, flags))                                                                             \
  U(C_MessageEncryptInit,                                                                          \
    (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey),              \
    (hSession, pMechanism, hKey))                                                                  \
  U(C_EncryptMessage,                                                                              \
    (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,                  \
     CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen, CK_BYTE_PTR pPlaintext,            \
     CK_ULONG ulPlaintextLen, CK_BYTE_PTR pCiphertext, CK_ULONG_PTR pulCiphertextLen),             \
    (hSession, pParameter, ulParameterLen, pAssociatedData, ulAssociatedDataLen, pPlaintext,       \
     ulPlaintextLen, pCiphertext, pulCiphertextLen))                                               \
  U(C_EncryptMessageBegin,                                                                         \
    (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,                  \
     CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen),                                   \
    (hSession, pParameter, ulParameterLen, pAssociatedData, ulAssociatedDataLen))                  \
  U(C_EncryptMessageNext,                                                                          \
    (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,                  \
     CK_BYTE_PTR pPlaintextPart, CK_ULONG ulPlaintextPartLen, CK_BYTE_PTR pCiphertextPart,         \
     CK_ULONG_PTR pulCiphertextPartLen, CK_FLAGS flags),                                           \
    (hSession, pParameter, ulParameterLen, pPlaintextPart, ulPlaintextPartLen, pCiphertextPart,    \
     pulCiphertextPartLen, flags))                                                                 \
  U(C_MessageEncryptFinal, (CK_SESSION_HANDLE hSession), (hSession))                               \
  U(C_MessageDecryptInit,                                                                          \
    (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey),              \
    (hSession, pMechanism, hKey))                                                                  \
  U(C_DecryptMessage,                                                                              \
    (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,                  \
     CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen, CK_BYTE_PTR pCiphertext,           \
     CK_ULONG ulCiphertextLen, CK_BYTE_PTR pPlaintext, CK_ULONG_PTR pulPlaintextLen),              \
    (hSession, pParameter, ulParameterLen, pAssociatedData, ulAssociatedDataLen, pCiphertext,      \
     ulCiphertextLen, pPlaintext, pulPlaintextLen))                                                \
  U(C_DecryptMessageBegin,                                                                         \
    (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,                  \
     CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen),                                   \
    (hSession, pParameter, ulParameterLen, pAssociatedData, ulAssociatedDataLen))                  \
  U(C_DecryptMessageNext,                                                                          \
    (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,                  \
     CK_BYTE_PTR pCiphertextPart, CK_ULONG ulCiphertextPartLen, CK_BYTE_PTR pPlaintextPart,        \
     CK_ULONG_PTR pulPlaintextPartLen, CK_FLAGS flags),                                            \
    (hSession, pParameter, ulParameterLen, pCiphertextPart, ulCiphertextPartLen, pPlaintextPart,   \
     pulPlaintextPartLen, flags))                                                                  \
  U(C_MessageDecryptFinal, (CK_SESSION_HANDLE hSession), (hSession))                               \
  U(C_MessageSignInit,                                                                             \
    (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey),              \
    (hSession, pMechanism, hKey))                                                                  \
  U(C_SignMessage,                                                                                 \
    (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,                  \
     CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen), \
    (hSession, pParameter, ulParameterLen, pData, ulDataLen, pSignature, pulSignatureLen))         \
  U(C_SignMessageBegin,                                                                            \
    (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen),                 \
    (hSession, pParameter, ulParameterLen))                                                        \
  U(C_SignMessageNext,                                                                             \
    (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,                  \
     CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen), \
    (hSession, pParameter, ulParameterLen, pData, ulDataLen, pSignature, pulSignatureLen))         \
  U(C_MessageSignFinal, (CK_SESSION_HANDLE hSession), (hSession))                                  \
  U(C_MessageVerifyInit,                                                                           \
    (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey),              \
    (hSession, pMechanism, hKey))                                                                  \
  U(C_VerifyMessage,                                                                               \
    (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,                  \
     CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen),      \
    (hSession, pParameter, ulParameterLen, pData, ulDataLen, pSignature, ulSignatureLen))          \
  U(C_VerifyMessageBegin,                                                                          \
    (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen),                 \
    (hSession, pParameter, ulParameterLen))                                                        \
  U(C_VerifyMessageNext,                                                                           \
    (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,                  \
     CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen),      \
    (hSession, pParameter, ulParameterLen, pData, ulDataLen, pSignature, ulSignatureLen))          \
  U(C_MessageVerifyFinal, (CK_SESSION_HANDLE hSession), (hSession))
