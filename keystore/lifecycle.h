// The lifecycle of keys and signers (ETSI TS 119 431-1): a key is enabled, disabled or
// destroyed; a signer enabled, disabled or removed; a key with a certificate signs only while one
// of its certificates is valid. Statuses are stored with a MAC (aad.h), so an edited status is
// refused as tampering, never obeyed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "state/rows.h"

namespace samp11 {

namespace key_status {
inline constexpr char kEnabled[] = "enabled";
inline constexpr char kDisabled[] = "disabled";
inline constexpr char kDestroyed[] = "destroyed";  // the wrapped key is gone from the file
}  // namespace key_status

namespace signer_status {
inline constexpr char kEnabled[] = "enabled";
inline constexpr char kDisabled[] = "disabled";
inline constexpr char kRemoved[] = "removed";  // device keys and PIN deleted; the name stays taken
}  // namespace signer_status

// Whether a key may sign now. The numbers are CKA_SAMP11_KEY_STATE's values
// (pkcs11/samp11_vendor.h): keep them stable.
enum class KeyState : uint32_t {
  kUsable = 0,
  kKeyDisabled = 1,
  kSignerDisabled = 2,
  kCertificateExpired = 3,
  kCertificateNotYetValid = 4,
  kNoCertificate = 5,  // the token requires a certificate (require_certificate) and has none
  kDestroyed = 6,
};
const char* KeyStateName(KeyState state);  // "usable", "key-disabled", ...

struct KeyUsability {
  KeyState state = KeyState::kUsable;
  std::string reason;                  // empty when usable; for logs, errors and `samp11 key info`
  std::optional<CertRow> certificate;  // the valid one, else the one that tells why not
};

}  // namespace samp11
