// Internal to sad/: the value rules every SAD claim set obeys, shared by the parser (a received
// SAD) and the issuer (so samp11 never issues a SAD it would refuse).
#pragma once

#include "common/status.h"
#include "sad/sad.h"

namespace samp11 {

constexpr size_t kMaxSadStringLength = 256;
constexpr size_t kMaxJtiLength = 128;
// 9999-12-31T23:59:59Z: larger times are nonsense, and bounding them keeps exp + skew from
// overflowing.
constexpr int64_t kMaxNumericDate = 253402300799;

// kActivationInvalid naming the first rule broken: strings non-empty, at most 256 bytes (jti
// 128) and free of control characters; credentialID lower-case hex of even length; 1.. hashes,
// each of hash_alg's size, all distinct; iat and exp within 0..kMaxNumericDate.
Status CheckSadClaimValues(const SadClaims& claims);
// One string's rules: non-empty, at most max_length bytes, no control character.
Status CheckSadString(const char* name, std::string_view value, size_t max_length);
// The same rules for the header's kid.
Status CheckSadKid(std::string_view kid);

}  // namespace samp11
