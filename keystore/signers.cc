// Signers and activation keys (signers.h): enrolment, the keys whose signatures on a SAD the SAM
// accepts, and the signer lifecycle.
#include <algorithm>
#include <utility>

#include "crypto/keys.h"
#include "keystore/aad.h"
#include "keystore/row_mac.h"
#include "keystore/signers.h"

namespace samp11 {
namespace {

constexpr size_t kMaxKid = 255;
constexpr size_t kMaxOwner = 255;
constexpr size_t kMaxSignerName = 255;

Result<ActivationKeyRole> RoleFromName(const std::string& name, const std::string& what) {
  if (name == RoleName(ActivationKeyRole::kDevice)) return ActivationKeyRole::kDevice;
  if (name == RoleName(ActivationKeyRole::kAuthorizationServer)) {
    return ActivationKeyRole::kAuthorizationServer;
  }
  return Status(Code::kTampered, what + " has an unknown role");
}

}  // namespace

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
  if (!CheckSadAlgKey(key.alg, public_key->get()).ok()) {
    return Status(Code::kTampered, what + " has a public key that does not fit its algorithm");
  }
  key.public_key = Share(std::move(*public_key));
  if (row.status != "enabled" && row.status != "disabled") {
    return Status(Code::kTampered, what + " has an unknown status");
  }
  key.enabled = row.status == "enabled";
  return key;
}

const char* RoleName(ActivationKeyRole role) {
  switch (role) {
    case ActivationKeyRole::kDevice:
      return "device";
    case ActivationKeyRole::kAuthorizationServer:
      return "authorization-server";
  }
  return "unknown";
}

Status Signers::AddSigner(const std::string& name) {
  SAMP11_RETURN_IF_ERROR(audit_.CheckWritable());
  auto add = [&]() -> Status {
    if (name.empty() || name.size() > kMaxSignerName) {
      return Status(Code::kArgumentsBad, "a signer name must be 1 to 255 bytes");
    }
    SignerRow row;
    row.name = name;
    row.created = context_.clock.NowSeconds();
    row.status_changed = row.created;
    SAMP11_ASSIGN_OR_RETURN(row.mac, RowMac(context_.keys.mac, SignerMacInput(row)));
    SAMP11_ASSIGN_OR_RETURN(row.status_mac, RowMac(context_.keys.mac, SignerStatusMacInput(row)));
    return context_.state.signers().InsertSigner(row);
  };
  AuditEvent audit;
  audit.event = audit_event::kSignerAdd;
  audit.signer = name;
  return audit_.Record(std::move(audit), add());
}

Result<bool> Signers::SignerExists(const std::string& name) {
  Result<SignerRow> row = CheckedSignerRow(name);
  if (!row.ok()) {
    if (row.status().code() == Code::kNotFound) return false;
    return row.status();
  }
  // A disabled signer is still enrolled (its SADs verify, its keys refuse to sign); a removed one
  // is not.
  return row->status != signer_status::kRemoved;
}

Result<std::vector<std::string>> Signers::ListSigners() {
  SAMP11_ASSIGN_OR_RETURN(std::vector<SignerRow> rows, context_.state.signers().ListSigners());
  std::vector<std::string> names;
  names.reserve(rows.size());
  for (SignerRow& row : rows) {
    SAMP11_RETURN_IF_ERROR(
        VerifyRowMac(context_.keys.mac, SignerMacInput(row), row.mac, "signer '" + row.name + "'"));
    if (row.status == signer_status::kRemoved) continue;
    names.push_back(std::move(row.name));
  }
  return names;
}

Result<SignerRow> Signers::CheckedSignerRow(const std::string& name) {
  SAMP11_ASSIGN_OR_RETURN(std::optional<SignerRow> row, context_.state.signers().FindSigner(name));
  if (!row) return Status(Code::kNotFound, "no signer '" + name + "'");
  SAMP11_RETURN_IF_ERROR(
      VerifyRowMac(context_.keys.mac, SignerMacInput(*row), row->mac, "signer '" + name + "'"));
  SAMP11_RETURN_IF_ERROR(VerifyRowMac(context_.keys.mac, SignerStatusMacInput(*row),
                                      row->status_mac, "the status of signer '" + name + "'"));
  return std::move(*row);
}

Result<std::vector<SignerRow>> Signers::ListSignerRecords() {
  SAMP11_ASSIGN_OR_RETURN(std::vector<SignerRow> rows, context_.state.signers().ListSigners());
  for (const SignerRow& row : rows) {
    SAMP11_RETURN_IF_ERROR(
        VerifyRowMac(context_.keys.mac, SignerMacInput(row), row.mac, "signer '" + row.name + "'"));
    SAMP11_RETURN_IF_ERROR(VerifyRowMac(context_.keys.mac, SignerStatusMacInput(row),
                                        row.status_mac, "the status of signer '" + row.name + "'"));
  }
  return rows;
}

Status Signers::SetSignerStatus(const std::string& name, const char* status, const char* event,
                                const std::string& reason) {
  SAMP11_RETURN_IF_ERROR(audit_.CheckWritable());
  auto run = [&]() -> Status {
    SAMP11_ASSIGN_OR_RETURN(SignerRow row, CheckedSignerRow(name));
    if (row.status == signer_status::kRemoved) {
      return Status(Code::kNotFound, "signer '" + name + "' was removed");
    }
    if (row.status == status) return Status::Ok();
    row.status = status;
    row.status_changed = context_.clock.NowSeconds();
    SAMP11_ASSIGN_OR_RETURN(row.status_mac, RowMac(context_.keys.mac, SignerStatusMacInput(row)));
    return context_.state.signers().UpdateSignerStatus(row);
  };
  AuditEvent audit;
  audit.event = event;
  audit.signer = name;
  audit.detail = reason;
  return audit_.Record(std::move(audit), run());
}

Status Signers::DisableSigner(const std::string& name, const std::string& reason) {
  return SetSignerStatus(name, signer_status::kDisabled, audit_event::kSignerDisable, reason);
}

Status Signers::EnableSigner(const std::string& name, const std::string& reason) {
  return SetSignerStatus(name, signer_status::kEnabled, audit_event::kSignerEnable, reason);
}

Status Signers::RemoveSigner(const std::string& name, const std::string& reason,
                             const std::function<Status()>& destroy_keys) {
  SAMP11_RETURN_IF_ERROR(audit_.CheckWritable());
  auto run = [&]() -> Status {
    SAMP11_ASSIGN_OR_RETURN(SignerRow row, CheckedSignerRow(name));
    if (row.status == signer_status::kRemoved) {
      return Status(Code::kNotFound, "signer '" + name + "' was removed");
    }
    if (destroy_keys) SAMP11_RETURN_IF_ERROR(destroy_keys());
    row.status = signer_status::kRemoved;
    row.status_changed = context_.clock.NowSeconds();
    SAMP11_ASSIGN_OR_RETURN(row.status_mac, RowMac(context_.keys.mac, SignerStatusMacInput(row)));
    SAMP11_RETURN_IF_ERROR(context_.state.signers().RemoveSigner(row));
    std::lock_guard<std::mutex> lock(cache_mu_);
    for (auto it = activation_cache_.begin(); it != activation_cache_.end();) {
      it = it->second.owner == name && it->second.role == ActivationKeyRole::kDevice
               ? activation_cache_.erase(it)
               : std::next(it);
    }
    return Status::Ok();
  };
  AuditEvent audit;
  audit.event = audit_event::kSignerRemove;
  audit.signer = name;
  audit.detail = reason;
  return audit_.Record(std::move(audit), run());
}

Result<std::string> Signers::AddActivationKey(ActivationKeyRole role, const std::string& owner,
                                              EVP_PKEY* public_key, const std::string& kid) {
  SAMP11_RETURN_IF_ERROR(audit_.CheckWritable());
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
    row.created = context_.clock.NowSeconds();
    SAMP11_ASSIGN_OR_RETURN(row.mac, RowMac(context_.keys.mac, ActivationKeyMacInput(row)));
    SAMP11_RETURN_IF_ERROR(context_.state.signers().InsertActivationKey(row));
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
  SAMP11_RETURN_IF_ERROR(audit_.Record(std::move(audit), added.status()));
  return added;
}

Result<ActivationKey> Signers::GetActivationKey(const std::string& kid) {
  // The version first: a row read after it is at least that recent.
  SAMP11_ASSIGN_OR_RETURN(StateVersion version, context_.state.maintenance().KeyStateVersion());
  {
    std::lock_guard<std::mutex> lock(cache_mu_);
    if (version != cache_version_) {
      activation_cache_.clear();
      cache_version_ = version;
    }
    auto it = activation_cache_.find(kid);
    if (it != activation_cache_.end()) return it->second;
  }
  SAMP11_ASSIGN_OR_RETURN(std::optional<ActivationKeyRow> row,
                          context_.state.signers().FindActivationKey(kid));
  if (!row) return Status(Code::kNotFound, "no activation key '" + kid + "'");
  SAMP11_ASSIGN_OR_RETURN(ActivationKey key, ActivationKeyFromRow(context_.keys.mac, *row));
  std::lock_guard<std::mutex> lock(cache_mu_);
  if (version == cache_version_) activation_cache_.emplace(kid, key);
  return key;
}

Status Signers::RemoveActivationKey(ActivationKeyRole role, const std::string& owner,
                                    const std::string& kid, const std::string& reason) {
  SAMP11_RETURN_IF_ERROR(audit_.CheckWritable());
  auto run = [&]() -> Status {
    SAMP11_ASSIGN_OR_RETURN(std::optional<ActivationKeyRow> row,
                            context_.state.signers().FindActivationKey(kid));
    if (!row) return Status(Code::kNotFound, "no activation key '" + kid + "'");
    // Checked, not just read: an edited row must not steer what is deleted.
    SAMP11_ASSIGN_OR_RETURN(ActivationKey key, ActivationKeyFromRow(context_.keys.mac, *row));
    if (key.role != role || key.owner != owner) {
      return Status(Code::kArgumentsBad,
                    "activation key '" + kid + "' is the " + RoleName(key.role) + " key of '" +
                        key.owner + "', not the " + RoleName(role) + " key of '" + owner + "'");
    }
    SAMP11_RETURN_IF_ERROR(context_.state.signers().DeleteActivationKey(kid));
    std::lock_guard<std::mutex> lock(cache_mu_);
    activation_cache_.erase(kid);
    return Status::Ok();
  };
  AuditEvent audit;
  audit.event = audit_event::kActivationKeyRemove;
  audit.kid = kid;
  if (role == ActivationKeyRole::kDevice) {
    audit.signer = owner;
    audit.detail = "device key";
  } else {
    audit.detail = std::string(RoleName(role)) + " '" + owner + "' key";
  }
  if (!reason.empty()) audit.detail += ": " + reason;
  return audit_.Record(std::move(audit), run());
}

Status Signers::SetIssuerEnabled(const std::string& issuer, bool enabled,
                                 const std::string& reason) {
  SAMP11_RETURN_IF_ERROR(audit_.CheckWritable());
  std::string kids;
  auto run = [&]() -> Status {
    SAMP11_ASSIGN_OR_RETURN(std::vector<ActivationKeyRow> rows,
                            context_.state.signers().ListActivationKeys());
    std::vector<ActivationKeyRow> changed;
    bool found = false;
    const int64_t now = context_.clock.NowSeconds();
    for (ActivationKeyRow& row : rows) {
      if (row.owner != issuer || row.role != RoleName(ActivationKeyRole::kAuthorizationServer)) {
        continue;
      }
      // Checked before anything is written: an edited row must not be re-MAC'd as genuine.
      SAMP11_ASSIGN_OR_RETURN(ActivationKey key, ActivationKeyFromRow(context_.keys.mac, row));
      found = true;
      kids += (kids.empty() ? "" : ", ") + row.kid;
      if (key.enabled == enabled) continue;
      row.status = enabled ? "enabled" : "disabled";
      // Never 0 once changed: the row's MAC then covers its status (ActivationKeyMacInput).
      row.status_changed = std::max<int64_t>(now, 1);
      SAMP11_ASSIGN_OR_RETURN(row.mac, RowMac(context_.keys.mac, ActivationKeyMacInput(row)));
      changed.push_back(std::move(row));
    }
    if (!found) return Status(Code::kNotFound, "no authorization server '" + issuer + "'");
    if (changed.empty()) return Status::Ok();
    SAMP11_RETURN_IF_ERROR(context_.state.signers().UpdateActivationKeys(changed));
    std::lock_guard<std::mutex> lock(cache_mu_);
    for (const ActivationKeyRow& row : changed) activation_cache_.erase(row.kid);
    return Status::Ok();
  };
  Status result = run();
  AuditEvent audit;
  audit.event = enabled ? audit_event::kIssuerEnable : audit_event::kIssuerDisable;
  audit.detail = "authorization server '" + issuer + "'" + (kids.empty() ? "" : " keys " + kids) +
                 (reason.empty() ? "" : ": " + reason);
  return audit_.Record(std::move(audit), result);
}

Result<std::vector<ActivationKey>> Signers::ListActivationKeys() {
  SAMP11_ASSIGN_OR_RETURN(std::vector<ActivationKeyRow> rows,
                          context_.state.signers().ListActivationKeys());
  std::vector<ActivationKey> keys;
  keys.reserve(rows.size());
  for (const ActivationKeyRow& row : rows) {
    SAMP11_ASSIGN_OR_RETURN(ActivationKey key, ActivationKeyFromRow(context_.keys.mac, row));
    keys.push_back(std::move(key));
  }
  return keys;
}

}  // namespace samp11
