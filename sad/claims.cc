// CheckSadClaims: audience, time window and size of a parsed SAD.
#include <limits>

#include "sad/sad.h"

namespace samp11 {

namespace {

Status Invalid(const std::string& message) {
  return Status(Code::kActivationInvalid, "SAD " + message);
}

// a + b without overflow: times come from the SAD and the policy from configuration, and a
// wrapped sum would turn "expired" into "valid".
int64_t SaturatingAdd(int64_t a, int64_t b) {
  if (b > 0 && a > std::numeric_limits<int64_t>::max() - b) {
    return std::numeric_limits<int64_t>::max();
  }
  if (b < 0 && a < std::numeric_limits<int64_t>::min() - b) {
    return std::numeric_limits<int64_t>::min();
  }
  return a + b;
}

}  // namespace

Status CheckSadClaims(const SadClaims& claims, std::string_view token_identity, int64_t now,
                      const SadTimePolicy& policy) {
  if (policy.clock_skew_seconds < 0 || policy.max_lifetime_seconds <= 0) {
    return Status(Code::kConfig, "SAD time policy: skew must be >= 0 and lifetime > 0");
  }
  if (claims.audiences.empty()) {
    if (claims.aud != token_identity) return Invalid("aud does not name this token");
  } else {
    bool named = false;
    for (const std::string& aud : claims.audiences) {
      named =
          named || aud == token_identity || (!policy.audience.empty() && aud == policy.audience);
    }
    if (!named) return Invalid("aud names neither this token nor its configured audience");
  }
  if (claims.hashes.size() > policy.max_hashes) {
    return Invalid("binds " + std::to_string(claims.hashes.size()) + " hashes, the limit is " +
                   std::to_string(policy.max_hashes));
  }
  if (claims.exp <= claims.iat) return Invalid("exp is not after iat");
  // exp > iat here, so the difference overflows only for absurd times; compare without subtracting.
  if (claims.exp > SaturatingAdd(claims.iat, policy.max_lifetime_seconds)) {
    return Invalid("lifetime exceeds " + std::to_string(policy.max_lifetime_seconds) + " s");
  }
  if (claims.iat > SaturatingAdd(now, policy.clock_skew_seconds)) {
    return Invalid("is not yet valid (iat is in the future)");
  }
  if (now >= SaturatingAdd(claims.exp, policy.clock_skew_seconds)) {
    return Status(Code::kActivationExpired, "SAD expired");
  }
  return Status::Ok();
}

}  // namespace samp11
