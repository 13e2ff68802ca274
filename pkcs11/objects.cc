// C_GetAttributeValue and C_SetAttributeValue. No object is modifiable through PKCS#11; the only
// objects an application creates are SAD deposits (deposit_objects.cc).
#include <cstring>
#include <sstream>

#include "pkcs11/attributes.h"
#include "pkcs11/core.h"
#include "pkcs11/deposit_objects.h"
#include "pkcs11/session.h"

namespace samp11::p11 {
namespace {

// A token object visible to this session, or nullopt for a SAD deposit handle (deposit objects
// are answered by deposit_objects.cc).
RvOr<std::optional<Object>> LoadObject(SessionRef& s, CK_OBJECT_HANDLE handle) {
  if (IsDepositHandle(handle)) return std::optional<Object>();
  P11_ASSIGN_OR_RETURN(Object loaded, Object::Load(s.token(), handle, s.slot().user_login()));
  return std::optional<Object>(std::move(loaded));
}

}  // namespace

Rv GetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
                     CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount) {
  P11_ASSIGN_OR_RETURN(SessionRef s, RequireSession(hSession, Need::kSession));
  if (pTemplate == nullptr && ulCount > 0) return Rv(CKR_ARGUMENTS_BAD, "pTemplate is NULL");
  const bool deposit = IsDepositHandle(hObject);
  P11_ASSIGN_OR_RETURN(std::optional<Object> object, LoadObject(s, hObject));

  // Every entry is answered; the result is the first problem met (PKCS#11 lets the module pick
  // among them).
  Rv result;
  auto note = [&result](CK_RV rv, CK_ATTRIBUTE_TYPE type) {
    if (!result.ok()) return;
    std::ostringstream message;
    message << "attribute 0x" << std::hex << type;
    result = Rv(rv, message.str());
  };
  Bytes value;
  for (CK_ULONG i = 0; i < ulCount; ++i) {
    CK_ATTRIBUTE& a = pTemplate[i];
    Object::Availability availability;
    if (deposit) {
      P11_ASSIGN_OR_RETURN(DepositAttribute d,
                           GetDepositAttribute(s.token(), hObject, a.type, &value));
      availability = d == DepositAttribute::kOk          ? Object::Availability::kOk
                     : d == DepositAttribute::kSensitive ? Object::Availability::kSensitive
                                                         : Object::Availability::kTypeInvalid;
    } else {
      P11_ASSIGN_OR_RETURN(availability, object->Get(a.type, &value));
    }
    switch (availability) {
      case Object::Availability::kTypeInvalid:
        a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
        note(CKR_ATTRIBUTE_TYPE_INVALID, a.type);
        break;
      case Object::Availability::kSensitive:
        a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
        note(CKR_ATTRIBUTE_SENSITIVE, a.type);
        break;
      case Object::Availability::kOk:
        if (a.pValue == nullptr) {
          a.ulValueLen = value.size();
        } else if (a.ulValueLen >= value.size()) {
          if (!value.empty()) std::memcpy(a.pValue, value.data(), value.size());
          a.ulValueLen = value.size();
        } else {
          a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
          note(CKR_BUFFER_TOO_SMALL, a.type);
        }
        break;
    }
  }
  return result;
}

Rv SetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
                     CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount) {
  P11_ASSIGN_OR_RETURN(SessionRef s, RequireSession(hSession, Need::kSession));
  if (pTemplate == nullptr && ulCount > 0) return Rv(CKR_ARGUMENTS_BAD, "pTemplate is NULL");
  // The handle is checked first: an unknown object is CKR_OBJECT_HANDLE_INVALID.
  P11_ASSIGN_OR_RETURN(std::optional<Object> object, LoadObject(s, hObject));
  if (!object && !s.token().sam().session_deposits().Get(DepositId(hObject))) {
    return Rv(CKR_OBJECT_HANDLE_INVALID, "no deposit " + std::to_string(hObject));
  }
  // PKCS#11: an object whose CKA_MODIFIABLE is CK_FALSE answers CKR_ACTION_PROHIBITED, whatever
  // the template (SoftHSMv2 answers the same), and every samp11 object reports CK_FALSE
  // (attributes.cc, deposit_objects.cc): keys and certificates are the operator's, changed with
  // the samp11 command line; a deposit is a SAD as its signer issued it.
  return Rv(CKR_ACTION_PROHIBITED, "object " + std::to_string(hObject) +
                                       " is not modifiable (CKA_MODIFIABLE is CK_FALSE)");
}

}  // namespace samp11::p11
