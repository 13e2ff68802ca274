#include "pkcs11/rv_map.h"

namespace samp11::p11 {

CK_RV CodeToRv(Code code, CK_RV not_found) {
  switch (code) {
    case Code::kOk:
      return CKR_OK;
    case Code::kArgumentsBad:
      return CKR_ARGUMENTS_BAD;
    case Code::kNotFound:
      return not_found;
    case Code::kAlreadyExists:
      return CKR_TEMPLATE_INCONSISTENT;
    case Code::kNoActivation:
      return CKR_USER_NOT_LOGGED_IN;
    case Code::kActivationInvalid:
      return CKR_PIN_INCORRECT;
    case Code::kActivationExpired:
      return CKR_PIN_EXPIRED;
    case Code::kActivationTooLong:
      return CKR_PIN_LEN_RANGE;
    case Code::kRejected:
      return CKR_FUNCTION_REJECTED;
    case Code::kKeyNotPermitted:
      return CKR_KEY_FUNCTION_NOT_PERMITTED;
    case Code::kPinLocked:
      return CKR_PIN_LOCKED;
    case Code::kKeyTypeInconsistent:
      return CKR_KEY_TYPE_INCONSISTENT;
    case Code::kMechanismInvalid:
      return CKR_MECHANISM_INVALID;
    case Code::kMechanismParamInvalid:
      return CKR_MECHANISM_PARAM_INVALID;
    case Code::kDataInvalid:
      return CKR_DATA_INVALID;
    case Code::kDataLenRange:
      return CKR_DATA_LEN_RANGE;
    case Code::kSignatureInvalid:
      return CKR_SIGNATURE_INVALID;
    case Code::kSignatureLenRange:
      return CKR_SIGNATURE_LEN_RANGE;
    case Code::kTampered:
      return CKR_DEVICE_ERROR;
    case Code::kStorage:
      return CKR_DEVICE_ERROR;
    case Code::kDevice:
      return CKR_DEVICE_ERROR;
    case Code::kTokenNotPresent:
      return CKR_TOKEN_NOT_PRESENT;
    case Code::kTimedOut:
    case Code::kCancelled:
      return CKR_FUNCTION_CANCELED;
    case Code::kSessionClosed:
      return CKR_SESSION_CLOSED;
    case Code::kConfig:
      return CKR_GENERAL_ERROR;
    case Code::kUnsupported:
      return CKR_FUNCTION_NOT_SUPPORTED;
    case Code::kInternal:
      return CKR_GENERAL_ERROR;
  }
  return CKR_GENERAL_ERROR;
}

Rv FromStatus(const Status& status, CK_RV not_found) {
  if (status.ok()) return Rv();
  return Rv(CodeToRv(status.code(), not_found), status.ToString());
}

}  // namespace samp11::p11
