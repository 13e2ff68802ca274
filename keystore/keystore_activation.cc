// Activation keys: the public keys whose signatures on a SAD the SAM accepts.
#include <utility>

#include "crypto/keys.h"
#include "keystore/aad.h"
#include "keystore/keystore.h"
#include "keystore/row_mac.h"

namespace samp11 {
namespace {

constexpr size_t kMaxKid = 255;
constexpr size_t kMaxOwner = 255;

Result<ActivationKeyRole> RoleFromName(const std::string& name, const std::string& what) {
  if (name == RoleName(ActivationKeyRole::kDevice)) return ActivationKeyRole::kDevice;
  if (name == RoleName(ActivationKeyRole::kAuthorizationServer)) {
    return ActivationKeyRole::kAuthorizationServer;
  }
  return Status(Code::kTampered, what + " has an unknown role");
}

// Authenticates the row, then decodes it. Past the MAC every field was written by this code, so
// a field that does not decode is as suspect as a bad MAC.
Result<ActivationKey> ActivationKeyFromRow(const SecureBytes& mac_key,
                                           const ActivationKeyRow& row) {
  const std::string what = "activation key '" + row.kid + "'";
  SAMP11_RETURN_IF_ERROR(VerifyRowMac(mac_key, ActivationKeyMacInput(row), row.mac, what));
  ActivationKey key;
  key.kid = row.kid;
  key.owner = row.owner;
  SAMP11_ASSIGN_OR_RETURN(key.role, RoleFromName(row.role, what));
  Result<SadAlg> alg = SadAlgFromName(row.alg);
  if (!alg.ok()) return Status(Code::kTampered, what + " has an unknown algorithm");
  key.alg = *alg;
  Result<EvpPkeyPtr> public_key = PublicKeyFromSpki(row.public_spki);
  if (!public_key.ok()) return Status(Code::kTampered, what + " has an unreadable public key");
  Result<SadAlg> key_alg = SadAlgForKey(public_key->get());
  if (!key_alg.ok() || *key_alg != key.alg) {
    return Status(Code::kTampered, what + " has a public key that does not fit its algorithm");
  }
  key.public_key = Share(std::move(*public_key));
  return key;
}

}  // namespace

Result<std::string> Keystore::AddActivationKey(ActivationKeyRole role, const std::string& owner,
                                               EVP_PKEY* public_key, const std::string& kid) {
  SAMP11_RETURN_IF_ERROR(CheckAuditWritable());
  auto add = [&]() -> Result<std::string> {
    if (public_key == nullptr) return Status(Code::kArgumentsBad, "no activation public key");
    Result<SadAlg> alg = SadAlgForKey(public_key);
    if (!alg.ok()) {
      return Status(Code::kArgumentsBad, "activation keys must be P-256, P-384 or Ed25519");
    }
    if (owner.empty() || owner.size() > kMaxOwner) {
      return Status(Code::kArgumentsBad, "an activation key's owner must be 1 to 255 bytes");
    }
    if (kid.size() > kMaxKid) {
      return Status(Code::kArgumentsBad, "an activation key's kid must be at most 255 bytes");
    }
    if (role == ActivationKeyRole::kDevice) {
      SAMP11_ASSIGN_OR_RETURN(bool enrolled, SignerExists(owner));
      if (!enrolled) return Status(Code::kNotFound, "no signer '" + owner + "'");
    }
    ActivationKeyRow row;
    if (kid.empty()) {
      SAMP11_ASSIGN_OR_RETURN(row.kid, JwkThumbprint(public_key));
    } else {
      row.kid = kid;
    }
    row.role = RoleName(role);
    row.owner = owner;
    row.alg = SadAlgName(*alg);
    // Only the public half is ever stored, even if the caller passed a private key.
    SAMP11_ASSIGN_OR_RETURN(row.public_spki, PublicKeyToSpki(public_key));
    row.created = clock_.NowSeconds();
    SAMP11_ASSIGN_OR_RETURN(row.mac, RowMac(keys_.mac, ActivationKeyMacInput(row)));
    SAMP11_RETURN_IF_ERROR(state_->signers().InsertActivationKey(row));
    return row.kid;
  };
  Result<std::string> added = add();
  AuditEvent audit;
  audit.event = audit_event::kActivationKeyAdd;
  audit.kid = added.ok() ? *added : kid;
  // An authorization server's owner is an issuer, not a signer: it goes in the detail.
  if (role == ActivationKeyRole::kDevice) {
    audit.signer = owner;
    audit.detail = "device key";
  } else {
    audit.detail = std::string(RoleName(role)) + " '" + owner + "' key";
  }
  SAMP11_RETURN_IF_ERROR(AuditResult(std::move(audit), added.status()));
  return added;
}

Result<ActivationKey> Keystore::GetActivationKey(const std::string& kid) {
  {
    std::lock_guard<std::mutex> lock(cache_mu_);
    auto it = activation_cache_.find(kid);
    if (it != activation_cache_.end()) return it->second;
  }
  SAMP11_ASSIGN_OR_RETURN(std::optional<ActivationKeyRow> row,
                          state_->signers().FindActivationKey(kid));
  if (!row) return Status(Code::kNotFound, "no activation key '" + kid + "'");
  SAMP11_ASSIGN_OR_RETURN(ActivationKey key, ActivationKeyFromRow(keys_.mac, *row));
  std::lock_guard<std::mutex> lock(cache_mu_);
  activation_cache_.emplace(kid, key);
  return key;
}

Result<std::vector<ActivationKey>> Keystore::ListActivationKeys() {
  SAMP11_ASSIGN_OR_RETURN(std::vector<ActivationKeyRow> rows,
                          state_->signers().ListActivationKeys());
  std::vector<ActivationKey> keys;
  keys.reserve(rows.size());
  for (const ActivationKeyRow& row : rows) {
    SAMP11_ASSIGN_OR_RETURN(ActivationKey key, ActivationKeyFromRow(keys_.mac, row));
    keys.push_back(std::move(key));
  }
  return keys;
}

}  // namespace samp11
