// An authorization server's JWK Set (RFC 7517 section 5) as an operator registers it: the public
// keys its access tokens are signed with, each named by its kid and fixed to one algorithm.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "crypto/ossl.h"
#include "crypto/sad_alg.h"

namespace samp11 {

// One JWK (an object): EC (P-256, P-384), OKP (Ed25519) or RSA (n, e). A private member (d, p,
// q, dp, dq, qi, k, oth) is refused. Errors are kArgumentsBad (kUnsupported for a kty or curve
// samp11 does not take).
Result<EvpPkeyPtr> PublicKeyFromJwkObject(const nlohmann::json& jwk);
// The first private member jwk holds, or nullptr.
const char* JwkPrivateMember(const nlohmann::json& jwk);

struct JwksKey {
  std::string kid;
  SadAlg alg;
  SharedPkey key;
};

struct Jwks {
  std::vector<JwksKey> keys;         // in the file's order, at least one
  std::vector<std::string> skipped;  // kids of keys not for signatures ("use" other than "sig")
};

// Parses a JWK Set: {"keys": [...]}. Every key needs a kid (1..255 bytes, no control character,
// unique in the set). Its algorithm comes from its "alg" member, required for RSA (RS256 or
// PS256: one RSA key fits both) and, for EC and OKP, optional but then equal to the curve's
// (ES256, ES384, EdDSA). The key must fit it (CheckSadAlgKey: RSA 2048, 3072 or 4096 bits). Keys
// whose "use" is not "sig" (an encryption key, as Keycloak publishes beside its signing key) are
// skipped and named in `skipped`. Any other key samp11 cannot take refuses the whole set,
// kArgumentsBad naming its kid: a set is registered whole or not at all.
Result<Jwks> ParseJwks(std::string_view text);

}  // namespace samp11
