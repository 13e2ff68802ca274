// What the token shows as PKCS#11 objects: its keys and their certificates, read from rows that
// were authenticated before they are shown (SigningKeys, Certificates: an edited owner, type,
// SCAL, public key or certificate is kTampered, never shown as if it were true), and a key's
// lifecycle state as the SAM sees it now. SAD deposits made as session objects are the SAM's
// (Sam::session_deposits()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "keystore/keystore.h"
#include "keystore/lifecycle.h"
#include "sam/sam.h"

namespace samp11 {

class TokenObjects {
 public:
  TokenObjects(Keystore& keystore, Sam& sam) : keystore_(keystore), sam_(sam) {}

  // Live keys (destroyed ones are not objects). Listings page: handle > after, at most limit.
  Result<std::optional<KeyInfo>> KeyByHandle(int64_t handle);
  Result<std::optional<KeyInfo>> KeyById(const Bytes& id);
  Result<std::vector<KeyInfo>> KeysByLabel(const std::string& label, int64_t after, size_t limit);
  Result<std::vector<KeyInfo>> Keys(int64_t after, size_t limit);

  Result<std::optional<CertRow>> CertByHandle(int64_t handle);
  Result<std::vector<CertRow>> CertsOfKey(const Bytes& key_id);
  Result<std::vector<CertRow>> CertsByLabel(const std::string& label, int64_t after, size_t limit);
  Result<std::vector<CertRow>> Certs(int64_t after, size_t limit);

  // Whether the key may sign now (CKA_SIGN, CKA_SAMP11_KEY_STATE), under the token's policy.
  Result<KeyState> KeyStateOf(const Bytes& id);

 private:
  Keystore& keystore_;
  Sam& sam_;
};

}  // namespace samp11
