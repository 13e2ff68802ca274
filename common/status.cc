#include "common/status.h"

namespace samp11 {

const char* CodeName(Code code) {
  switch (code) {
    case Code::kOk:
      return "ok";
    case Code::kArgumentsBad:
      return "arguments-bad";
    case Code::kNotFound:
      return "not-found";
    case Code::kAlreadyExists:
      return "already-exists";
    case Code::kNoActivation:
      return "no-activation";
    case Code::kActivationInvalid:
      return "activation-invalid";
    case Code::kActivationExpired:
      return "activation-expired";
    case Code::kActivationTooLong:
      return "activation-too-long";
    case Code::kRejected:
      return "rejected";
    case Code::kKeyNotPermitted:
      return "key-not-permitted";
    case Code::kPinLocked:
      return "pin-locked";
    case Code::kKeyTypeInconsistent:
      return "key-type-inconsistent";
    case Code::kMechanismInvalid:
      return "mechanism-invalid";
    case Code::kMechanismParamInvalid:
      return "mechanism-param-invalid";
    case Code::kDataInvalid:
      return "data-invalid";
    case Code::kDataLenRange:
      return "data-len-range";
    case Code::kSignatureInvalid:
      return "signature-invalid";
    case Code::kSignatureLenRange:
      return "signature-len-range";
    case Code::kTampered:
      return "tampered";
    case Code::kStorage:
      return "storage";
    case Code::kDevice:
      return "device";
    case Code::kTokenNotPresent:
      return "token-not-present";
    case Code::kTimedOut:
      return "timed-out";
    case Code::kCancelled:
      return "cancelled";
    case Code::kSessionClosed:
      return "session-closed";
    case Code::kConfig:
      return "config";
    case Code::kUnsupported:
      return "unsupported";
    case Code::kInternal:
      return "internal";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  return std::string(CodeName(code_)) + ": " + message_;
}

}  // namespace samp11
