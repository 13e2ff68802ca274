// Symmetric primitives for the keystore: AES-256-GCM sealing, HKDF, HMAC, scrypt.
#pragma once

#include <string_view>

#include "common/bytes.h"
#include "common/status.h"

namespace samp11 {

constexpr size_t kAeadKeySize = 32;
constexpr size_t kAeadNonceSize = 12;
constexpr size_t kAeadTagSize = 16;

// Output: nonce (12, random) || ciphertext || tag (16).
Result<Bytes> AeadSeal(const SecureBytes& key, const Bytes& aad, const uint8_t* plaintext,
                       size_t size);
// Fails with kTampered if the tag does not verify (wrong key, wrong aad, edited blob).
Result<SecureBytes> AeadOpen(const SecureBytes& key, const Bytes& aad, const Bytes& sealed);

// HKDF-SHA256 (RFC 5869) with an empty salt; info names the purpose of the derived key.
Result<SecureBytes> HkdfSha256(const SecureBytes& ikm, std::string_view info, size_t size);
Result<Bytes> HmacSha256(const SecureBytes& key, const uint8_t* data, size_t size);
inline Result<Bytes> HmacSha256(const SecureBytes& key, const Bytes& data) {
  return HmacSha256(key, data.data(), data.size());
}
// scrypt with N=2^15, r=8, p=1 (about 32 MiB, ~0.1 s): a passphrase becomes a 32-byte master key.
Result<SecureBytes> ScryptKey(std::string_view passphrase, const Bytes& salt);

}  // namespace samp11
