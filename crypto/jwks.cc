// ParseJwks: an authorization server's published keys, checked whole before any is registered.
#include "crypto/jwks.h"

#include <set>

#include "crypto/json.h"

namespace samp11 {

namespace {

using nlohmann::json;

constexpr size_t kMaxKid = 255;
// A real server publishes a handful (Keycloak: one signing key per algorithm, plus the ones being
// rotated); a bound keeps a mistaken file from filling the activation key table.
constexpr size_t kMaxKeys = 64;

Status JwksError(const std::string& message) {
  return Status(Code::kArgumentsBad, "JWK Set: " + message);
}

Result<std::string> KeyKid(const json& jwk, size_t index) {
  auto it = jwk.find("kid");
  if (it == jwk.end() || !it->is_string()) {
    return JwksError("key " + std::to_string(index) + " has no string 'kid'");
  }
  const std::string& kid = it->get_ref<const std::string&>();
  if (kid.empty() || kid.size() > kMaxKid) {
    return JwksError("key " + std::to_string(index) + ": kid must be 1 to 255 bytes");
  }
  for (char c : kid) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return JwksError("key " + std::to_string(index) + ": kid contains a control character");
    }
  }
  return kid;
}

// The algorithm the key is registered for: its "alg" member, or the curve's when it has none.
Result<SadAlg> KeyAlg(const json& jwk, EVP_PKEY* key, const std::string& kid) {
  auto it = jwk.find("alg");
  if (it == jwk.end()) {
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
      return JwksError("key '" + Excerpt(kid) + "': an RSA key needs 'alg' (RS256 or PS256)");
    }
    Result<SadAlg> alg = SadAlgForKey(key);
    if (!alg.ok()) return JwksError("key '" + Excerpt(kid) + "': " + alg.status().message());
    return *alg;
  }
  if (!it->is_string()) return JwksError("key '" + Excerpt(kid) + "': 'alg' is not a string");
  Result<SadAlg> alg = SadAlgFromName(it->get_ref<const std::string&>());
  if (!alg.ok()) return JwksError("key '" + Excerpt(kid) + "': " + alg.status().message());
  Status fits = CheckSadAlgKey(*alg, key);
  if (!fits.ok()) return JwksError("key '" + Excerpt(kid) + "': " + fits.message());
  return *alg;
}

}  // namespace

Result<Jwks> ParseJwks(std::string_view text) {
  Result<json> parsed = ParseJsonObject(text, Code::kArgumentsBad);
  if (!parsed.ok()) return JwksError(parsed.status().message());
  auto keys = parsed->find("keys");
  if (keys == parsed->end() || !keys->is_array()) return JwksError("no 'keys' array");
  if (keys->size() > kMaxKeys) {
    return JwksError("more than " + std::to_string(kMaxKeys) + " keys");
  }
  Jwks jwks;
  std::set<std::string> kids;
  for (size_t i = 0; i < keys->size(); ++i) {
    const json& jwk = (*keys)[i];
    if (!jwk.is_object()) return JwksError("key " + std::to_string(i) + " is not an object");
    SAMP11_ASSIGN_OR_RETURN(std::string kid, KeyKid(jwk, i));
    if (!kids.insert(kid).second) return JwksError("kid '" + Excerpt(kid) + "' appears twice");
    // Refused even in a key that would be skipped: the file holds a secret it should not, and
    // whoever made it should know.
    if (const char* secret = JwkPrivateMember(jwk)) {
      return JwksError("key '" + Excerpt(kid) + "' has the private member '" + secret +
                       "'; register the public keys only");
    }
    auto use = jwk.find("use");
    if (use != jwk.end() && !(use->is_string() && use->get_ref<const std::string&>() == "sig")) {
      jwks.skipped.push_back(kid);
      continue;
    }
    Result<EvpPkeyPtr> key = PublicKeyFromJwkObject(jwk);
    if (!key.ok()) {
      return Status(Code::kArgumentsBad,
                    "JWK Set: key '" + Excerpt(kid) + "': " + key.status().message());
    }
    SAMP11_ASSIGN_OR_RETURN(SadAlg alg, KeyAlg(jwk, key->get(), kid));
    jwks.keys.push_back(JwksKey{kid, alg, Share(std::move(*key))});
  }
  if (jwks.keys.empty()) return JwksError("no signing key");
  return jwks;
}

}  // namespace samp11
