// An authorization server's JWK Set registered or replaced (signers.h, SetIssuerJwks): its keys
// are activation keys of role authorization-server, each fixed to the algorithm its JWK named.
#include <algorithm>
#include <set>

#include "crypto/keys.h"
#include "keystore/aad.h"
#include "keystore/row_mac.h"
#include "keystore/signers.h"

namespace samp11 {
namespace {

constexpr size_t kMaxOwner = 255;

std::string Joined(const std::vector<std::string>& kids) {
  std::string out;
  for (const std::string& kid : kids) out += (out.empty() ? "" : ", ") + kid;
  return out;
}

}  // namespace

Result<Signers::JwksChange> Signers::SetIssuerJwks(const std::string& issuer, const Jwks& jwks,
                                                   bool replace) {
  SAMP11_RETURN_IF_ERROR(audit_.CheckWritable());
  const std::string role = RoleName(ActivationKeyRole::kAuthorizationServer);
  JwksChange change;
  auto run = [&]() -> Status {
    if (issuer.empty() || issuer.size() > kMaxOwner) {
      return Status(Code::kArgumentsBad, "an issuer name must be 1 to 255 bytes");
    }
    if (jwks.keys.empty()) return Status(Code::kArgumentsBad, "the JWK Set has no signing key");
    // What the issuer has now, every row checked: an edited row must not steer what is kept.
    SAMP11_ASSIGN_OR_RETURN(std::vector<ActivationKeyRow> rows,
                            context_.state.signers().ListActivationKeys());
    std::map<std::string, ActivationKey> current;
    std::set<std::string> taken;
    for (const ActivationKeyRow& row : rows) {
      taken.insert(row.kid);
      if (row.owner != issuer || row.role != role) continue;
      SAMP11_ASSIGN_OR_RETURN(ActivationKey key, ActivationKeyFromRow(context_.keys.mac, row));
      if (!key.enabled) {
        return Status(Code::kArgumentsBad, "the authorization server '" + issuer +
                                               "' is disabled: enable it before changing its keys");
      }
      current.emplace(row.kid, std::move(key));
    }
    if (replace && current.empty()) {
      return Status(Code::kNotFound, "no authorization server '" + issuer + "'");
    }
    std::vector<ActivationKeyRow> inserted;
    std::set<std::string> in_set;
    const int64_t now = context_.clock.NowSeconds();
    for (const JwksKey& jwk : jwks.keys) {
      in_set.insert(jwk.kid);
      auto have = current.find(jwk.kid);
      if (replace && have != current.end()) {
        // A kid keeps naming the key it named: a new key comes with a new kid, as RFC 7517
        // rotation does, so no SAD signed by the old key can verify under the new one's name.
        if (EVP_PKEY_eq(have->second.public_key.get(), jwk.key.get()) != 1 ||
            have->second.alg != jwk.alg) {
          return Status(Code::kArgumentsBad, "kid '" + jwk.kid +
                                                 "' is registered for another key or algorithm; "
                                                 "a new key needs a new kid");
        }
        change.kept.push_back(jwk.kid);
        continue;
      }
      if (taken.count(jwk.kid) != 0) {
        return Status(Code::kAlreadyExists, "activation key '" + jwk.kid + "' already exists");
      }
      ActivationKeyRow row;
      row.kid = jwk.kid;
      row.role = role;
      row.owner = issuer;
      row.alg = SadAlgName(jwk.alg);
      SAMP11_ASSIGN_OR_RETURN(row.public_spki, PublicKeyToSpki(jwk.key.get()));
      row.created = now;
      SAMP11_ASSIGN_OR_RETURN(row.mac, RowMac(context_.keys.mac, ActivationKeyMacInput(row)));
      change.added.push_back(row.kid);
      inserted.push_back(std::move(row));
    }
    if (replace) {
      for (const auto& [kid, key] : current) {
        if (in_set.count(kid) == 0) change.removed.push_back(kid);
      }
    }
    if (inserted.empty() && change.removed.empty()) return Status::Ok();
    SAMP11_RETURN_IF_ERROR(
        context_.state.signers().ReplaceActivationKeys(inserted, change.removed));
    std::lock_guard<std::mutex> lock(cache_mu_);
    for (const std::string& kid : change.removed) activation_cache_.erase(kid);
    return Status::Ok();
  };
  Status result = run();
  const std::string what = std::string(role) + " '" + issuer + "' key";
  if (!result.ok()) {
    std::vector<std::string> kids;
    for (const JwksKey& jwk : jwks.keys) kids.push_back(jwk.kid);
    AuditEvent audit;
    audit.event = audit_event::kActivationKeyAdd;
    audit.detail = what + "s from a JWK Set (" + Joined(kids) + ")";
    return audit_.Record(std::move(audit), result);
  }
  // One record per kid, after the one write that made them all: each names the key its SADs
  // will name.
  for (const std::string& kid : change.added) {
    AuditEvent audit;
    audit.event = audit_event::kActivationKeyAdd;
    audit.kid = kid;
    for (const JwksKey& jwk : jwks.keys) {
      if (jwk.kid == kid) audit.detail = what + " (JWK Set, " + SadAlgName(jwk.alg) + ")";
    }
    SAMP11_RETURN_IF_ERROR(audit_.Record(std::move(audit), Status::Ok()));
  }
  for (const std::string& kid : change.removed) {
    AuditEvent audit;
    audit.event = audit_event::kActivationKeyRemove;
    audit.kid = kid;
    audit.detail = what + ": no longer in its JWK Set";
    SAMP11_RETURN_IF_ERROR(audit_.Record(std::move(audit), Status::Ok()));
  }
  return change;
}

}  // namespace samp11
