// How a signer's PIN is stored: never the PIN, but a salted scrypt hash (slow, so a guess costs
// about 0.1 s and 32 MiB), keyed with a secret derived from the master key (so a copy of the
// token file alone does not let anyone guess PINs offline: every guess must go through the
// module and its try counter).
#pragma once

#include <string_view>

#include "common/bytes.h"
#include "common/status.h"

namespace samp11 {

constexpr size_t kPinSaltBytes = 16;
constexpr size_t kMinPinLength = 4;
constexpr size_t kMaxPinLength = 64;

// kArgumentsBad unless the PIN is 4..64 printable ASCII bytes (space to '~') other than ':' (the
// separator of a "NAME:PIN" login). The message never contains the PIN.
Status CheckPinFormat(std::string_view pin);

// The key of PIN hashes, derived from the keystore's binding-MAC key (HKDF, its own purpose).
Result<SecureBytes> PinHashKey(const SecureBytes& mac_key);

// HMAC-SHA256(pin_key, scrypt(pin, salt)). salt: kPinSaltBytes random bytes per PIN.
Result<Bytes> HashPin(const SecureBytes& pin_key, std::string_view pin, const Bytes& salt);

}  // namespace samp11
