// C_SignInit .. C_SignFinal and C_VerifyInit .. C_VerifyFinal. The SignOperation (sam/) decides
// everything about SADs; this file keeps PKCS#11's operation rules: a length query (NULL output)
// or a too small buffer answers the length and spends nothing; any other C_Sign/C_SignFinal ends
// the operation, whatever its result.
#include <cstring>
#include <optional>

#include "pkcs11/attributes.h"
#include "pkcs11/core.h"
#include "pkcs11/mechanisms.h"
#include "pkcs11/object_handles.h"
#include "pkcs11/session.h"

namespace samp11::p11 {
namespace {

enum class KeyUse { kSign, kVerify };

// The keystore row of the key given to C_SignInit (a private key) or C_VerifyInit (a public key).
// PKCS#11: CKR_KEY_HANDLE_INVALID when the handle names no key this session sees, "a valid handle
// for an object which is not a key" (a certificate, a deposit) included; a key of the other kind
// is a valid key that may not do this (CKR_KEY_FUNCTION_NOT_PERMITTED: a public key has no
// CKA_SIGN, a private key no CKA_VERIFY). SoftHSMv2 2.6.1 answers the same for both kinds.
Rv KeyRow(SessionRef& s, CK_OBJECT_HANDLE handle, KeyUse use, int64_t* row) {
  std::optional<ObjectId> id = ParseObjectHandle(handle);
  const Rv invalid(CKR_KEY_HANDLE_INVALID, "no key " + std::to_string(handle));
  if (!id || (id->kind != ObjectKind::kPrivateKey && id->kind != ObjectKind::kPublicKey)) {
    return invalid;
  }
  const ObjectKind wanted = use == KeyUse::kSign ? ObjectKind::kPrivateKey : ObjectKind::kPublicKey;
  const UserLogin login = id->kind == ObjectKind::kPrivateKey ? s.slot().user_login() : UserLogin();
  // The row is read here when the answer depends on it; otherwise Begin reads it (kNotFound).
  if (id->kind != wanted || login.signer() != nullptr) {
    Result<std::optional<KeyInfo>> found = s.token().objects().KeyByHandle(id->row);
    if (!found.ok() && found.status().code() == Code::kTampered && id->kind == wanted &&
        use == KeyUse::kSign) {
      // A row that fails its check is refused by the SAM, which records it (SignOperation::Begin
      // reads it again).
      *row = id->row;
      return CKR_OK;
    }
    P11_ASSIGN_OR_RETURN(std::optional<KeyInfo> key, FromResult(std::move(found)));
    if (!key) return invalid;
    if (id->kind == ObjectKind::kPrivateKey && !PrivateKeyVisible(*key, login)) return invalid;
  }
  if (id->kind != wanted) {
    return Rv(CKR_KEY_FUNCTION_NOT_PERMITTED,
              use == KeyUse::kSign ? "a public key does not sign (it has no CKA_SIGN)"
                                   : "a private key does not verify (it has no CKA_VERIFY); "
                                     "verify with its public key object");
  }
  *row = id->row;
  return CKR_OK;
}

// The Update/Final functions on a mechanism PKCS#11 offers for single-part operations only
// (operation/mechanism.h). PKCS#11 has no code of its own for this; CKR_OPERATION_NOT_INITIALIZED
// is in the return values of C_SignUpdate/C_SignFinal and C_VerifyUpdate/C_VerifyFinal and means
// "no active operation of an appropriate type", which a single-part operation is not. SoftHSMv2
// 2.6.1 answers the same (AsymSignUpdate, AsymVerifyUpdate).
Rv RefuseSinglePart(const std::optional<MechanismSpec>& mechanism, const char* function) {
  if (!mechanism || !IsSinglePartOnly(mechanism->kind)) return CKR_OK;
  return Rv(CKR_OPERATION_NOT_INITIALIZED, std::string(function) + ": " +
                                               MechanismName(*mechanism) +
                                               " is single-part only (C_Sign/C_Verify); the "
                                               "operation is ended");
}

// PKCS#11's length protocol: answers a NULL output buffer or a short one, and then the operation
// continues. nullopt when the buffer is large enough.
std::optional<Rv> AnswerLength(size_t length, CK_BYTE_PTR out, CK_ULONG_PTR out_len) {
  if (out == nullptr) {
    *out_len = length;
    return Rv();
  }
  if (*out_len < length) {
    *out_len = length;
    return Rv(CKR_BUFFER_TOO_SMALL, "signature buffer too small");
  }
  return std::nullopt;
}

Rv FinishSign(SessionRef& s, SignOperation& op, CK_BYTE_PTR out, CK_ULONG_PTR out_len) {
  P11_ASSIGN_OR_RETURN(Bytes signature,
                       FromResult(op.Finish(s.slot().user_login()), CKR_KEY_HANDLE_INVALID));
  if (signature.size() > *out_len) {  // signature_length() is exact; this cannot happen
    return Rv(CKR_GENERAL_ERROR, "signature longer than announced");
  }
  std::memcpy(out, signature.data(), signature.size());
  *out_len = signature.size();
  return CKR_OK;
}

}  // namespace

Rv SignInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey) {
  P11_ASSIGN_OR_RETURN(SessionRef s, RequireSession(hSession, Need::kSession));
  if (s->sign != nullptr) return Rv(CKR_OPERATION_ACTIVE, "a signing operation is active");
  P11_ASSIGN_OR_RETURN(MechanismSpec spec, ParseSignMechanism(pMechanism));
  int64_t row = 0;
  P11_RETURN_IF_ERROR(KeyRow(s, hKey, KeyUse::kSign, &row));
  P11_ASSIGN_OR_RETURN(
      s->sign, FromResult(SignOperation::Begin(s.token().sam(), row, spec, s->NewSignSignal()),
                          CKR_KEY_HANDLE_INVALID));
  s->sign_mechanism = spec;
  s->sign_multipart = false;
  return CKR_OK;
}

Rv Sign(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
        CK_ULONG_PTR pulSignatureLen) {
  P11_ASSIGN_OR_RETURN(SessionRef s, RequireSession(hSession, Need::kSession));
  if (s->sign == nullptr) return Rv(CKR_OPERATION_NOT_INITIALIZED, "no C_SignInit");
  if (pulSignatureLen == nullptr || (pData == nullptr && ulDataLen > 0)) {
    s->EndSign();
    return Rv(CKR_ARGUMENTS_BAD, "pData or pulSignatureLen is NULL");
  }
  if (s->sign_multipart) {
    s->EndSign();
    return Rv(CKR_OPERATION_ACTIVE, "C_Sign after C_SignUpdate; the operation is ended");
  }
  if (auto answered = AnswerLength(s->sign->signature_length(), pSignature, pulSignatureLen)) {
    return *answered;
  }
  std::unique_ptr<SignOperation> op = std::move(s->sign);
  s->EndSign();
  P11_RETURN_IF_ERROR(op->Update(pData, ulDataLen));
  return FinishSign(s, *op, pSignature, pulSignatureLen);
}

Rv SignUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen) {
  P11_ASSIGN_OR_RETURN(SessionRef s, RequireSession(hSession, Need::kSession));
  if (s->sign == nullptr) return Rv(CKR_OPERATION_NOT_INITIALIZED, "no C_SignInit");
  if (Rv refused = RefuseSinglePart(s->sign_mechanism, "C_SignUpdate"); !refused.ok()) {
    s->EndSign();  // PKCS#11: an error from C_SignUpdate ends the signing operation
    return refused;
  }
  if (pPart == nullptr && ulPartLen > 0) {
    s->EndSign();
    return Rv(CKR_ARGUMENTS_BAD, "pPart is NULL");
  }
  Rv rv = FromStatus(s->sign->Update(pPart, ulPartLen));
  if (!rv.ok()) {
    s->EndSign();
    return rv;
  }
  s->sign_multipart = true;
  return CKR_OK;
}

Rv SignFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen) {
  P11_ASSIGN_OR_RETURN(SessionRef s, RequireSession(hSession, Need::kSession));
  if (s->sign == nullptr) return Rv(CKR_OPERATION_NOT_INITIALIZED, "no C_SignInit");
  // Refused before the length protocol: no length query of a C_SignFinal that cannot succeed.
  if (Rv refused = RefuseSinglePart(s->sign_mechanism, "C_SignFinal"); !refused.ok()) {
    s->EndSign();  // PKCS#11: C_SignFinal ends the operation unless it answers a length
    return refused;
  }
  if (pulSignatureLen == nullptr) {
    s->EndSign();
    return Rv(CKR_ARGUMENTS_BAD, "pulSignatureLen is NULL");
  }
  if (auto answered = AnswerLength(s->sign->signature_length(), pSignature, pulSignatureLen)) {
    return *answered;
  }
  std::unique_ptr<SignOperation> op = std::move(s->sign);
  s->EndSign();
  return FinishSign(s, *op, pSignature, pulSignatureLen);
}

Rv VerifyInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey) {
  P11_ASSIGN_OR_RETURN(SessionRef s, RequireSession(hSession, Need::kSession));
  if (s->verify != nullptr) return Rv(CKR_OPERATION_ACTIVE, "a verification is active");
  P11_ASSIGN_OR_RETURN(MechanismSpec spec, ParseSignMechanism(pMechanism));
  int64_t row = 0;
  P11_RETURN_IF_ERROR(KeyRow(s, hKey, KeyUse::kVerify, &row));
  P11_ASSIGN_OR_RETURN(s->verify, FromResult(VerifyOperation::Begin(s.token().sam(), row, spec),
                                             CKR_KEY_HANDLE_INVALID));
  s->verify_mechanism = spec;
  s->verify_multipart = false;
  return CKR_OK;
}

Rv Verify(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
          CK_ULONG ulSignatureLen) {
  P11_ASSIGN_OR_RETURN(SessionRef s, RequireSession(hSession, Need::kSession));
  if (s->verify == nullptr) return Rv(CKR_OPERATION_NOT_INITIALIZED, "no C_VerifyInit");
  std::unique_ptr<VerifyOperation> op = std::move(s->verify);
  const bool multipart = s->verify_multipart;
  s->EndVerify();  // C_Verify always ends the operation
  if ((pData == nullptr && ulDataLen > 0) || (pSignature == nullptr && ulSignatureLen > 0)) {
    return Rv(CKR_ARGUMENTS_BAD, "pData or pSignature is NULL");
  }
  if (multipart) {
    return Rv(CKR_OPERATION_ACTIVE, "C_Verify after C_VerifyUpdate; the operation is ended");
  }
  P11_RETURN_IF_ERROR(op->Update(pData, ulDataLen));
  const Bytes signature(pSignature, pSignature + ulSignatureLen);
  return FromStatus(op->Finish(signature));
}

Rv VerifyUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen) {
  P11_ASSIGN_OR_RETURN(SessionRef s, RequireSession(hSession, Need::kSession));
  if (s->verify == nullptr) return Rv(CKR_OPERATION_NOT_INITIALIZED, "no C_VerifyInit");
  if (Rv refused = RefuseSinglePart(s->verify_mechanism, "C_VerifyUpdate"); !refused.ok()) {
    s->EndVerify();  // PKCS#11: an error from C_VerifyUpdate ends the verification
    return refused;
  }
  if (pPart == nullptr && ulPartLen > 0) {
    s->EndVerify();
    return Rv(CKR_ARGUMENTS_BAD, "pPart is NULL");
  }
  Rv rv = FromStatus(s->verify->Update(pPart, ulPartLen));
  if (!rv.ok()) {
    s->EndVerify();
    return rv;
  }
  s->verify_multipart = true;
  return CKR_OK;
}

Rv VerifyFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen) {
  P11_ASSIGN_OR_RETURN(SessionRef s, RequireSession(hSession, Need::kSession));
  if (s->verify == nullptr) return Rv(CKR_OPERATION_NOT_INITIALIZED, "no C_VerifyInit");
  Rv single_part = RefuseSinglePart(s->verify_mechanism, "C_VerifyFinal");
  std::unique_ptr<VerifyOperation> op = std::move(s->verify);
  s->EndVerify();  // C_VerifyFinal always ends the operation
  P11_RETURN_IF_ERROR(single_part);
  if (pSignature == nullptr && ulSignatureLen > 0) {
    return Rv(CKR_ARGUMENTS_BAD, "pSignature is NULL");
  }
  const Bytes signature(pSignature, pSignature + ulSignatureLen);
  return FromStatus(op->Finish(signature));
}

}  // namespace samp11::p11
