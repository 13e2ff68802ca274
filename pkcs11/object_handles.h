// Object handles need no table: a handle is (row handle << 2) | kind, where the row is the
// keystore's key or certificate row handle (> 0, never reused) and kind says which object of it.
// A key row gives two objects (private and public key), a certificate row one. Kind 0 is a SAD
// deposited as a session object; its "row" is the deposit's id in the token's SessionDeposits.
#pragma once

#include <cstdint>
#include <optional>

#include "cryptoki/pkcs11_v3.h"

namespace samp11::p11 {

enum class ObjectKind : CK_OBJECT_HANDLE {
  kSadDeposit = 0,
  kPrivateKey = 1,
  kPublicKey = 2,
  kCertificate = 3
};

struct ObjectId {
  int64_t row;
  ObjectKind kind;
};

inline CK_OBJECT_HANDLE MakeObjectHandle(int64_t row, ObjectKind kind) {
  return (static_cast<CK_OBJECT_HANDLE>(row) << 2) | static_cast<CK_OBJECT_HANDLE>(kind);
}

inline std::optional<ObjectId> ParseObjectHandle(CK_OBJECT_HANDLE handle) {
  CK_OBJECT_HANDLE kind = handle & 3;
  CK_OBJECT_HANDLE row = handle >> 2;
  if (row == 0 || row > static_cast<CK_OBJECT_HANDLE>(INT64_MAX)) return std::nullopt;
  return ObjectId{static_cast<int64_t>(row), static_cast<ObjectKind>(kind)};
}

}  // namespace samp11::p11
