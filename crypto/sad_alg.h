// The JWS algorithms a SAD may be signed with, and the one each activation key verifies: both the
// SAD format (sad/) and the keystore's registered activation keys speak of them.
#pragma once

#include <openssl/evp.h>

#include <string_view>

#include "common/status.h"

namespace samp11 {

// RS256 (RSASSA-PKCS1-v1_5 SHA-256) and PS256 (RSASSA-PSS SHA-256, MGF1 SHA-256, 32-byte salt;
// RFC 7518 section 3.5) verify authorization servers' access tokens only: an RSA key fits both,
// so its algorithm is the one registered with it (the JWK's "alg"), never guessed from the key.
enum class SadAlg { kES256, kES384, kEdDSA, kRS256, kPS256 };
const char* SadAlgName(SadAlg alg);  // "ES256", "ES384", "EdDSA", "RS256", "PS256"
// The one JWS algorithm a public key can verify: P-256 -> ES256, P-384 -> ES384,
// Ed25519 -> EdDSA; anything else (RSA included: two algorithms fit it) kUnsupported.
Result<SadAlg> SadAlgForKey(EVP_PKEY* key);
Result<SadAlg> SadAlgFromName(std::string_view name);
// Whether key can verify alg: the curve for ES256/ES384/EdDSA, an RSA key of 2048, 3072 or 4096
// bits for RS256/PS256 (shorter moduli are refused: RFC 7518 section 3.3 asks for 2048 at least).
// kUnsupported naming the mismatch otherwise.
Status CheckSadAlgKey(SadAlg alg, EVP_PKEY* key);

}  // namespace samp11
