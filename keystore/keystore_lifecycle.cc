// Key and signer lifecycles: disable, enable, destroy, remove, and the check made before every
// signature that the key, its signer and its certificate allow it now.
#include <ctime>
#include <iterator>
#include <utility>

#include "common/time_text.h"
#include "crypto/symmetric.h"
#include "keystore/aad.h"
#include "keystore/keystore.h"
#include "keystore/row_mac.h"

namespace samp11 {
namespace {

constexpr char kMetaLifecycleMacs[] = "lifecycle_macs";
constexpr size_t kRemovePage = 500;

int64_t NowSeconds() { return static_cast<int64_t>(std::time(nullptr)); }

std::string KeyName(const Bytes& id) { return "key " + HexEncode(id); }

std::string WithReason(const std::string& what, const std::string& reason) {
  return reason.empty() ? what : what + ": " + reason;
}

}  // namespace

const char* KeyStateName(KeyState state) {
  switch (state) {
    case KeyState::kUsable:
      return "usable";
    case KeyState::kKeyDisabled:
      return "key-disabled";
    case KeyState::kSignerDisabled:
      return "signer-disabled";
    case KeyState::kCertificateExpired:
      return "certificate-expired";
    case KeyState::kCertificateNotYetValid:
      return "certificate-not-yet-valid";
    case KeyState::kNoCertificate:
      return "no-certificate";
    case KeyState::kDestroyed:
      return "destroyed";
  }
  return "unknown";
}

Status Keystore::FinishLifecycleMigration() {
  SAMP11_ASSIGN_OR_RETURN(std::optional<std::string> done, state_->GetMeta(kMetaLifecycleMacs));
  if (done) return Status::Ok();
  // Rows written before schema 3 are enabled and have no status MAC yet: they get one now, once.
  StateStore::LifecycleMacs macs;
  macs.key = [&](const KeyRow& row) { return RowMac(keys_.mac, KeyStatusMacInput(row)); };
  macs.signer = [&](const SignerRow& row) { return RowMac(keys_.mac, SignerStatusMacInput(row)); };
  macs.cert = [&](const CertRow& row) { return RowMac(keys_.mac, CertMacInput(row)); };
  SAMP11_RETURN_IF_ERROR(state_->FillMissingLifecycleMacs(macs).status());
  Status marked = state_->InsertMeta(kMetaLifecycleMacs, "1");
  if (!marked.ok() && marked.code() != Code::kAlreadyExists) return marked;
  return Status::Ok();
}

Result<KeyRow> Keystore::LiveKeyRow(const Bytes& id) {
  SAMP11_ASSIGN_OR_RETURN(std::optional<KeyRow> row, state_->FindKeyById(id));
  if (!row) return Status(Code::kNotFound, "no " + KeyName(id));
  SAMP11_RETURN_IF_ERROR(VerifyRowMac(keys_.mac, KeyStatusMacInput(*row), row->status_mac,
                                      "the status of " + KeyName(id)));
  if (row->status == key_status::kDestroyed) {
    return Status(Code::kNotFound, KeyName(id) + " was destroyed");
  }
  if (row->status != key_status::kEnabled && row->status != key_status::kDisabled) {
    return Status(Code::kTampered, KeyName(id) + " has an unknown status");
  }
  return std::move(*row);
}

Result<SignerRow> Keystore::CheckedSignerRow(const std::string& name) {
  SAMP11_ASSIGN_OR_RETURN(std::optional<SignerRow> row, state_->FindSigner(name));
  if (!row) return Status(Code::kNotFound, "no signer '" + name + "'");
  SAMP11_RETURN_IF_ERROR(
      VerifyRowMac(keys_.mac, SignerMacInput(*row), row->mac, "signer '" + name + "'"));
  SAMP11_RETURN_IF_ERROR(VerifyRowMac(keys_.mac, SignerStatusMacInput(*row), row->status_mac,
                                      "the status of signer '" + name + "'"));
  return std::move(*row);
}

Result<std::vector<SignerRow>> Keystore::ListSignerRecords() {
  SAMP11_ASSIGN_OR_RETURN(std::vector<SignerRow> rows, state_->ListSigners());
  for (const SignerRow& row : rows) {
    SAMP11_RETURN_IF_ERROR(
        VerifyRowMac(keys_.mac, SignerMacInput(row), row.mac, "signer '" + row.name + "'"));
    SAMP11_RETURN_IF_ERROR(VerifyRowMac(keys_.mac, SignerStatusMacInput(row), row.status_mac,
                                        "the status of signer '" + row.name + "'"));
  }
  return rows;
}

Status Keystore::SetKeyStatus(const Bytes& id, const char* status, const char* event,
                              const std::string& reason) {
  SAMP11_RETURN_IF_ERROR(CheckAuditWritable());
  std::string owner;
  auto run = [&]() -> Status {
    SAMP11_ASSIGN_OR_RETURN(KeyRow row, LiveKeyRow(id));
    owner = row.owner;
    if (row.status == status) return Status::Ok();  // nothing to change; still recorded
    row.status = status;
    row.status_changed = NowSeconds();
    SAMP11_ASSIGN_OR_RETURN(row.status_mac, RowMac(keys_.mac, KeyStatusMacInput(row)));
    return state_->UpdateKeyStatus(row);
  };
  Status result = run();
  AuditEvent audit;
  audit.event = event;
  audit.signer = owner;
  audit.key_id = id;
  audit.detail = reason;
  return AuditResult(std::move(audit), result);
}

Status Keystore::DisableKey(const Bytes& id, const std::string& reason) {
  return SetKeyStatus(id, key_status::kDisabled, audit_event::kKeyDisable, reason);
}

Status Keystore::EnableKey(const Bytes& id, const std::string& reason) {
  return SetKeyStatus(id, key_status::kEnabled, audit_event::kKeyEnable, reason);
}

Status Keystore::DestroyKeyUnaudited(const Bytes& id, std::string* owner) {
  SAMP11_ASSIGN_OR_RETURN(KeyRow row, LiveKeyRow(id));
  *owner = row.owner;
  // A key in an inner token is deleted there first: if that fails, nothing is changed here and
  // the operator can try again. Unwrapping authenticates the reference before it is acted on.
  if (row.backend != key_backend::kFile) {
    // The AES-GCM open authenticates the reference (inner CKA_ID) with the whole row.
    Result<SecureBytes> material = AeadOpen(keys_.wrap, KeyWrapAad(row), row.wrapped_private);
    if (!material.ok()) {
      return Status(Code::kTampered, KeyName(id) + " failed its integrity check");
    }
    SAMP11_ASSIGN_OR_RETURN(KeyBackend * backend, Backend(row.backend));
    BackendKey inner;
    inner.public_spki = row.public_spki;
    inner.material = std::move(*material);
    SAMP11_RETURN_IF_ERROR(backend->Discard(inner));
  }
  row.status = key_status::kDestroyed;
  row.status_changed = NowSeconds();
  SAMP11_ASSIGN_OR_RETURN(row.status_mac, RowMac(keys_.mac, KeyStatusMacInput(row)));
  ForgetCachedKey(id);
  return state_->DestroyKey(row);
}

Status Keystore::DestroyKey(const Bytes& id, const std::string& reason) {
  SAMP11_RETURN_IF_ERROR(CheckAuditWritable());
  std::string owner;
  Status result = DestroyKeyUnaudited(id, &owner);
  AuditEvent audit;
  audit.event = audit_event::kKeyDestroy;
  audit.signer = owner;
  audit.key_id = id;
  audit.detail = reason;
  return AuditResult(std::move(audit), result);
}

void Keystore::ForgetCachedKey(const Bytes& id) {
  std::lock_guard<std::mutex> lock(cache_mu_);
  for (auto it = key_cache_.begin(); it != key_cache_.end();) {
    it = it->second.info.id == id ? key_cache_.erase(it) : std::next(it);
  }
}

Status Keystore::SetSignerStatus(const std::string& name, const char* status, const char* event,
                                 const std::string& reason) {
  SAMP11_RETURN_IF_ERROR(CheckAuditWritable());
  auto run = [&]() -> Status {
    SAMP11_ASSIGN_OR_RETURN(SignerRow row, CheckedSignerRow(name));
    if (row.status == signer_status::kRemoved) {
      return Status(Code::kNotFound, "signer '" + name + "' was removed");
    }
    if (row.status == status) return Status::Ok();
    row.status = status;
    row.status_changed = NowSeconds();
    SAMP11_ASSIGN_OR_RETURN(row.status_mac, RowMac(keys_.mac, SignerStatusMacInput(row)));
    return state_->UpdateSignerStatus(row);
  };
  AuditEvent audit;
  audit.event = event;
  audit.signer = name;
  audit.detail = reason;
  return AuditResult(std::move(audit), run());
}

Status Keystore::DisableSigner(const std::string& name, const std::string& reason) {
  return SetSignerStatus(name, signer_status::kDisabled, audit_event::kSignerDisable, reason);
}

Status Keystore::EnableSigner(const std::string& name, const std::string& reason) {
  return SetSignerStatus(name, signer_status::kEnabled, audit_event::kSignerEnable, reason);
}

Status Keystore::RemoveSigner(const std::string& name, bool destroy_keys,
                              const std::string& reason) {
  SAMP11_RETURN_IF_ERROR(CheckAuditWritable());
  auto run = [&]() -> Status {
    SAMP11_ASSIGN_OR_RETURN(SignerRow row, CheckedSignerRow(name));
    if (row.status == signer_status::kRemoved) {
      return Status(Code::kNotFound, "signer '" + name + "' was removed");
    }
    if (destroy_keys) {
      // Each key is destroyed, and audited, on its own: an interruption leaves the signer with
      // fewer keys, never a half-destroyed key.
      for (;;) {
        SAMP11_ASSIGN_OR_RETURN(std::vector<KeyRow> keys,
                                state_->ListKeysByOwner(name, 0, kRemovePage));
        if (keys.empty()) break;
        for (const KeyRow& key : keys) {
          SAMP11_RETURN_IF_ERROR(
              DestroyKey(key.id, WithReason("signer '" + name + "' removed", reason)));
        }
      }
    }
    row.status = signer_status::kRemoved;
    row.status_changed = NowSeconds();
    SAMP11_ASSIGN_OR_RETURN(row.status_mac, RowMac(keys_.mac, SignerStatusMacInput(row)));
    SAMP11_RETURN_IF_ERROR(state_->RemoveSigner(row));
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
  return AuditResult(std::move(audit), run());
}

Result<Keystore::KeyStateRows> Keystore::CheckedKeyStateRows(const Bytes& id) {
  // The version first: rows read after it are at least that recent.
  SAMP11_ASSIGN_OR_RETURN(StateVersion version, state_->KeyStateVersion());
  {
    std::lock_guard<std::mutex> lock(key_state_mu_);
    if (version != key_state_version_) {
      key_states_.clear();
      key_state_version_ = version;
    }
    auto found = key_states_.find(id);
    if (found != key_states_.end()) return found->second;
  }
  KeyStateRows rows;
  SAMP11_ASSIGN_OR_RETURN(rows.key, LiveKeyRow(id));
  SAMP11_ASSIGN_OR_RETURN(rows.signer, CheckedSignerRow(rows.key.owner));
  SAMP11_ASSIGN_OR_RETURN(rows.certs, state_->FindCertsByKeyId(id));
  for (const CertRow& cert : rows.certs) {
    SAMP11_RETURN_IF_ERROR(
        VerifyRowMac(keys_.mac, CertMacInput(cert), cert.mac, "a certificate of " + KeyName(id)));
  }
  if (rows.certs.empty() && rows.key.certified) {
    return Status(Code::kTampered, KeyName(id) + " had a certificate and its row is gone");
  }
  std::lock_guard<std::mutex> lock(key_state_mu_);
  // Kept only if nothing moved meanwhile (another thread may have seen a newer version).
  if (version == key_state_version_) {
    if (key_states_.size() >= kMaxCachedKeyStates) key_states_.clear();
    key_states_.emplace(id, rows);
  }
  return rows;
}

Result<KeyUsability> Keystore::KeyUsabilityAt(const Bytes& id, int64_t now,
                                              bool require_certificate) {
  KeyUsability usability;
  Result<KeyStateRows> rows = CheckedKeyStateRows(id);
  if (!rows.ok()) {
    if (rows.status().code() != Code::kNotFound) return rows.status();
    // Destroyed, or no such key, or (tampering) its signer's row is gone.
    SAMP11_ASSIGN_OR_RETURN(std::optional<KeyRow> any, state_->FindKeyById(id));
    if (!any || any->status != key_status::kDestroyed) return rows.status();
    usability.state = KeyState::kDestroyed;
    usability.reason = KeyName(id) + " was destroyed on " + UtcText(any->status_changed);
    return usability;
  }
  const KeyRow* row = &rows->key;
  const SignerRow& signer = rows->signer;
  const std::vector<CertRow>& certs = rows->certs;
  // The certificate shown is the valid one, else the latest to begin.
  for (const CertRow& cert : certs) {
    if (cert.not_before <= now && now <= cert.not_after) {
      usability.certificate = cert;
      break;
    }
    if (!usability.certificate || cert.not_before > usability.certificate->not_before) {
      usability.certificate = cert;
    }
  }
  if (row->status == key_status::kDisabled) {
    usability.state = KeyState::kKeyDisabled;
    usability.reason = KeyName(id) + " is disabled (since " + UtcText(row->status_changed) + ")";
  } else if (signer.status != signer_status::kEnabled) {
    usability.state = KeyState::kSignerDisabled;
    usability.reason = "signer '" + signer.name + "' of " + KeyName(id) + " is " + signer.status;
  } else if (certs.empty()) {
    if (require_certificate) {
      usability.state = KeyState::kNoCertificate;
      usability.reason = KeyName(id) + " has no certificate, and this token requires one";
    }
  } else if (const CertRow& cert = *usability.certificate; cert.not_before > now) {
    usability.state = KeyState::kCertificateNotYetValid;
    usability.reason =
        "the certificate of " + KeyName(id) + " is not valid before " + UtcText(cert.not_before);
  } else if (now > cert.not_after) {
    usability.state = KeyState::kCertificateExpired;
    usability.reason =
        "the certificate of " + KeyName(id) + " expired on " + UtcText(cert.not_after);
  }
  return usability;
}

Status Keystore::CheckKeyUsable(const Bytes& id, int64_t now, bool require_certificate) {
  Result<KeyUsability> checked = KeyUsabilityAt(id, now, require_certificate);
  if (!checked.ok()) return ExplainStaleKey(checked.status());
  const KeyUsability& usability = *checked;
  if (usability.state == KeyState::kUsable) return Status::Ok();
  return Status(Code::kKeyNotPermitted, usability.reason);
}

}  // namespace samp11
