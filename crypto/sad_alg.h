// The JWS algorithms a SAD may be signed with, and the one each activation key verifies: both the
// SAD format (sad/) and the keystore's registered activation keys speak of them.
#pragma once

#include <openssl/evp.h>

#include <string_view>

#include "common/status.h"

namespace samp11 {

enum class SadAlg { kES256, kES384, kEdDSA };
const char* SadAlgName(SadAlg alg);  // "ES256", "ES384", "EdDSA"
// The one JWS algorithm a public key can verify: P-256 -> ES256, P-384 -> ES384,
// Ed25519 -> EdDSA; anything else kUnsupported.
Result<SadAlg> SadAlgForKey(EVP_PKEY* key);
Result<SadAlg> SadAlgFromName(std::string_view name);

}  // namespace samp11
