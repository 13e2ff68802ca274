// Status and Result: how every layer below the C ABI reports failure.
// The code is an internal category; pkcs11/rv_map.cc turns it into a CK_RV once, at the boundary.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace samp11 {

enum class Code {
  kOk = 0,
  kArgumentsBad,         // caller gave something malformed (not a SAD)
  kNotFound,             // object, signer, key or token does not exist
  kAlreadyExists,        // unique name or id taken
  kNoActivation,         // a SCAL2 key was asked to sign with no SAD at all
  kActivationInvalid,    // SAD malformed, bad signature, wrong audience/signer/key, not yet valid
  kActivationExpired,    // SAD past its exp (plus skew)
  kActivationTooLong,    // SAD longer than the module accepts
  kRejected,             // data not bound by the SAD, hash already spent, policy says no
  kKeyNotPermitted,      // the key may not sign now: disabled, its signer disabled, no valid cert
  kPinLocked,            // a signer's PIN is blocked after too many wrong tries (SCAL1 keys)
  kKeyTypeInconsistent,  // mechanism does not fit the key
  kMechanismInvalid,     // mechanism unknown or not allowed
  kMechanismParamInvalid,
  kDataInvalid,       // data to sign has the wrong form (e.g. not a DigestInfo)
  kDataLenRange,      // data to sign has the wrong length (e.g. not a hash length)
  kSignatureInvalid,  // verification failed
  kSignatureLenRange,
  kTampered,         // authenticated keystore content failed its check
  kStorage,          // the keystore could not be read or written
  kDevice,           // the inner PKCS#11 token of the pkcs11 key backend failed
  kTokenNotPresent,  // the inner PKCS#11 token of the pkcs11 key backend is not there
  kTimedOut,         // the signer's device did not answer within the configured time
  kCancelled,        // the application cancelled the operation (C_SessionCancel)
  kSessionClosed,    // the session was closed (C_CloseSession, C_Finalize) while the call waited
  kConfig,           // configuration unusable
  kUnsupported,      // a feature this build does not offer
  kInternal,         // a bug or an OpenSSL failure that should not happen
};

const char* CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status Ok() { return Status(); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit on purpose
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: implicit on purpose

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace samp11

#define SAMP11_CONCAT_INNER(a, b) a##b
#define SAMP11_CONCAT(a, b) SAMP11_CONCAT_INNER(a, b)

#define SAMP11_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::samp11::Status samp11_status_ = (expr);        \
    if (!samp11_status_.ok()) return samp11_status_; \
  } while (0)

#define SAMP11_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()

#define SAMP11_ASSIGN_OR_RETURN(lhs, expr) \
  SAMP11_ASSIGN_OR_RETURN_IMPL(SAMP11_CONCAT(samp11_result_, __LINE__), lhs, expr)
