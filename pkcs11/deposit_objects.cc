// C_CreateObject and C_DestroyObject, for the one kind of object an application may create: a
// SAD deposit (CKO_SAMP11_SAD, pkcs11/samp11_vendor.h). Everything else in the token is made by
// the operator's command line and is read-only here.
#include <cstring>
#include <optional>
#include <sstream>

#include "common/log.h"
#include "pkcs11/core.h"
#include "pkcs11/deposit_objects.h"
#include "pkcs11/object_handles.h"
#include "pkcs11/samp11_vendor.h"
#include "pkcs11/session.h"

namespace samp11::p11 {
namespace {

struct DepositTemplate {
  std::string sad;
};

// The object classes PKCS#11 itself defines: CKO_DATA (0) .. CKO_OTP_KEY (8), and CKO_PROFILE (9,
// PKCS#11 3.0; p11-kit's 2.40 header lacks its name).
constexpr CK_OBJECT_CLASS kLastCryptokiClass = 9;

// CKA_CLASS decides what the template describes, wherever it stands in it: an answer about the
// class never depends on the order of the attributes. CKR_OK for a SAD deposit.
Rv CheckTemplateClass(CK_ATTRIBUTE_PTR attrs, CK_ULONG count) {
  std::optional<CK_OBJECT_CLASS> klass;
  for (CK_ULONG i = 0; i < count; ++i) {
    const CK_ATTRIBUTE& a = attrs[i];
    if (a.pValue == nullptr && a.ulValueLen > 0) {
      return Rv(CKR_ARGUMENTS_BAD, "template attribute with NULL value");
    }
    if (a.type != CKA_CLASS) continue;
    CK_OBJECT_CLASS value;
    if (a.ulValueLen != sizeof value) return Rv(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_CLASS size");
    std::memcpy(&value, a.pValue, sizeof value);
    if (klass && *klass != value) {
      return Rv(CKR_TEMPLATE_INCONSISTENT, "two different values of CKA_CLASS");
    }
    klass = value;
  }
  // PKCS#11 "Creating objects": too little to specify the object is CKR_TEMPLATE_INCOMPLETE,
  // whatever else the template holds (SoftHSMv2 answers the same).
  if (!klass) return Rv(CKR_TEMPLATE_INCOMPLETE, "CKA_CLASS is missing");
  if (*klass == CKO_SAMP11_SAD) return CKR_OK;
  std::ostringstream name;
  name << "CKA_CLASS 0x" << std::hex << *klass;
  if (*klass <= kLastCryptokiClass) {
    // A value valid in Cryptoki that violates a requirement of this token is an inconsistent
    // template (PKCS#11 "Creating objects", rule 5), not an invalid value (rule 2).
    return Rv(CKR_TEMPLATE_INCONSISTENT,
              name.str() +
                  ": only SAD deposits (CKO_SAMP11_SAD) can be created; keys and "
                  "certificates are made with the samp11 command line");
  }
  return Rv(CKR_ATTRIBUTE_VALUE_INVALID, name.str() + " is not an object class");
}

RvOr<DepositTemplate> ReadTemplate(CK_ATTRIBUTE_PTR attrs, CK_ULONG count) {
  P11_RETURN_IF_ERROR(CheckTemplateClass(attrs, count));
  std::optional<std::string> value;
  for (CK_ULONG i = 0; i < count; ++i) {
    const CK_ATTRIBUTE& a = attrs[i];
    switch (a.type) {
      case CKA_CLASS:  // CheckTemplateClass read it
        break;
      case CKA_TOKEN: {
        if (a.ulValueLen != sizeof(CK_BBOOL)) {
          return Rv(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_TOKEN size");
        }
        if (*static_cast<const CK_BBOOL*>(a.pValue) != CK_FALSE) {
          return Rv(CKR_TEMPLATE_INCONSISTENT,
                    "a SAD deposit object is a session object; `samp11 sad deposit` makes "
                    "deposits every process sees");
        }
        break;
      }
      case CKA_VALUE:
        if (a.ulValueLen == 0 || a.ulValueLen > kMaxSadLength) {
          return Rv(CKR_ATTRIBUTE_VALUE_INVALID,
                    "CKA_VALUE must hold a SAD of 1.." + std::to_string(kMaxSadLength) + " bytes");
        }
        value.emplace(static_cast<const char*>(a.pValue), a.ulValueLen);
        break;
      case CKA_LABEL:
        break;
      default:
        return Rv(CKR_ATTRIBUTE_TYPE_INVALID,
                  "attribute " + std::to_string(a.type) + " does not belong on a SAD deposit");
    }
  }
  if (!value) return Rv(CKR_TEMPLATE_INCOMPLETE, "CKA_VALUE (the SAD) is missing");
  return DepositTemplate{std::move(*value)};
}

Bytes Ulong(CK_ULONG v) {
  Bytes out(sizeof v);
  std::memcpy(out.data(), &v, sizeof v);
  return out;
}

}  // namespace

Rv CreateObject(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount,
                CK_OBJECT_HANDLE_PTR phObject) {
  P11_ASSIGN_OR_RETURN(SessionRef s, RequireSession(hSession, Need::kSession));
  if (phObject == nullptr || (pTemplate == nullptr && ulCount > 0)) {
    return Rv(CKR_ARGUMENTS_BAD, "pTemplate or phObject is NULL");
  }
  P11_ASSIGN_OR_RETURN(DepositTemplate t, ReadTemplate(pTemplate, ulCount));
  Result<uint64_t> id = s.token().sam().DepositForSession(hSession, t.sad);
  if (!id.ok()) {
    // A refused deposit is a bad attribute value, not a failed login: nothing was logged in.
    const Code code = id.status().code();
    if (code == Code::kActivationInvalid || code == Code::kActivationExpired ||
        code == Code::kActivationTooLong) {
      return Rv(CKR_ATTRIBUTE_VALUE_INVALID, "SAD deposit refused: " + id.status().message());
    }
    return FromStatus(id.status());
  }
  *phObject = MakeObjectHandle(static_cast<int64_t>(*id), ObjectKind::kSadDeposit);
  SAMP11_LOG(kInfo, "SAD deposited as session object " << *phObject << " of session " << hSession);
  return CKR_OK;
}

Rv DestroyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject) {
  P11_ASSIGN_OR_RETURN(SessionRef s, RequireSession(hSession, Need::kSession));
  std::optional<ObjectId> id = ParseObjectHandle(hObject);
  if (!id) return Rv(CKR_OBJECT_HANDLE_INVALID, "no object " + std::to_string(hObject));
  if (id->kind != ObjectKind::kSadDeposit) {
    return Rv(CKR_ACTION_PROHIBITED, "keys and certificates are removed with samp11, not here");
  }
  if (!s.token().sam().session_deposits().Remove(static_cast<uint64_t>(id->row))) {
    return Rv(CKR_OBJECT_HANDLE_INVALID, "no deposit " + std::to_string(hObject));
  }
  return CKR_OK;
}

uint64_t DepositId(CK_OBJECT_HANDLE handle) {
  std::optional<ObjectId> id = ParseObjectHandle(handle);
  return id && id->kind == ObjectKind::kSadDeposit ? static_cast<uint64_t>(id->row) : 0;
}

bool IsDepositHandle(CK_OBJECT_HANDLE handle) {
  std::optional<ObjectId> id = ParseObjectHandle(handle);
  return id && id->kind == ObjectKind::kSadDeposit;
}

RvOr<DepositAttribute> GetDepositAttribute(Token& token, CK_OBJECT_HANDLE handle,
                                           CK_ATTRIBUTE_TYPE type, Bytes* value) {
  std::optional<ObjectId> id = ParseObjectHandle(handle);
  std::shared_ptr<const VerifiedSad> sad =
      id ? token.sam().session_deposits().Get(static_cast<uint64_t>(id->row)) : nullptr;
  if (!sad) return Rv(CKR_OBJECT_HANDLE_INVALID, "no deposit " + std::to_string(handle));
  switch (type) {
    case CKA_CLASS:
      *value = Ulong(CKO_SAMP11_SAD);
      return DepositAttribute::kOk;
    case CKA_TOKEN:
    case CKA_PRIVATE:
    case CKA_MODIFIABLE:
    case CKA_COPYABLE:
      *value = Bytes{CK_FALSE};
      return DepositAttribute::kOk;
    case CKA_DESTROYABLE:
      *value = Bytes{CK_TRUE};
      return DepositAttribute::kOk;
    case CKA_ID:  // the key it activates
      *value = HexDecode(sad->sad.claims.credential_id).value_or(Bytes());
      return DepositAttribute::kOk;
    case CKA_VALUE:  // the SAD is the signer's, not something to hand back out
      return DepositAttribute::kSensitive;
    default:
      return DepositAttribute::kTypeInvalid;
  }
}

}  // namespace samp11::p11
