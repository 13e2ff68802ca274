// What the PKCS#11 core functions return: a CK_RV and a message for the log (never a secret).
// Errors found in this layer are made here with the CK_RV they mean; errors from the rooms below
// arrive as a samp11::Status and are translated by FromStatus, the one Code -> CK_RV table.
#pragma once

#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "common/status.h"
#include "cryptoki/pkcs11_v3.h"

namespace samp11::p11 {

class [[nodiscard]] Rv {
 public:
  Rv() = default;
  Rv(CK_RV rv) : rv_(rv) {}  // NOLINT: implicit so that `return CKR_OK;` reads naturally
  Rv(CK_RV rv, std::string message) : rv_(rv), message_(std::move(message)) {}

  bool ok() const { return rv_ == CKR_OK; }
  CK_RV rv() const { return rv_; }
  const std::string& message() const { return message_; }

 private:
  CK_RV rv_ = CKR_OK;
  std::string message_;
};

// A value or the Rv that explains why there is none.
template <typename T>
class [[nodiscard]] RvOr {
  // A CK_RV would convert to an arithmetic T before it converted to Rv.
  static_assert(!std::is_arithmetic_v<T>, "RvOr of an arithmetic type is ambiguous");

 public:
  RvOr(T value) : v_(std::move(value)) {}  // NOLINT: implicit on purpose
  RvOr(Rv rv) : v_(std::move(rv)) {}       // NOLINT: implicit on purpose
  RvOr(CK_RV rv, std::string message) : v_(Rv(rv, std::move(message))) {}

  bool ok() const { return std::holds_alternative<T>(v_); }
  Rv rv() const { return ok() ? Rv() : std::get<Rv>(v_); }
  T& value() & { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  T& operator*() & { return value(); }

 private:
  std::variant<T, Rv> v_;
};

// The Code -> CK_RV table. kNotFound means whatever was named does not exist: callers pass what
// that is (CKR_KEY_HANDLE_INVALID for a key given to an Init function, ...).
CK_RV CodeToRv(Code code, CK_RV not_found = CKR_OBJECT_HANDLE_INVALID);
Rv FromStatus(const Status& status, CK_RV not_found = CKR_OBJECT_HANDLE_INVALID);
template <typename T>
RvOr<T> FromResult(Result<T>&& result, CK_RV not_found = CKR_OBJECT_HANDLE_INVALID) {
  if (!result.ok()) return FromStatus(result.status(), not_found);
  return std::move(result).value();
}

inline Rv ToRv(Rv rv) { return rv; }
inline Rv ToRv(const Status& status) { return FromStatus(status); }

}  // namespace samp11::p11

// Returns from the enclosing core function if expr (an Rv or a Status) is an error.
#define P11_RETURN_IF_ERROR(expr)                            \
  do {                                                       \
    ::samp11::p11::Rv p11_rv_ = ::samp11::p11::ToRv((expr)); \
    if (!p11_rv_.ok()) return p11_rv_;                       \
  } while (0)

#define P11_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.rv();                 \
  lhs = std::move(tmp).value()

// lhs = value of an RvOr<T> expression, or return its Rv.
#define P11_ASSIGN_OR_RETURN(lhs, expr) \
  P11_ASSIGN_OR_RETURN_IMPL(SAMP11_CONCAT(p11_result_, __LINE__), lhs, expr)
