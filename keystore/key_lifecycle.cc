// The key lifecycle (signing_keys.h): disable, enable, destroy, and the check made before every
// signature that the key, its signer and its certificate allow it now.
#include <iterator>
#include <utility>

#include "common/time_text.h"
#include "crypto/symmetric.h"
#include "keystore/aad.h"
#include "keystore/certificates.h"
#include "keystore/row_mac.h"
#include "keystore/signing_keys.h"

namespace samp11 {
namespace {

constexpr size_t kRemovePage = 500;

std::string KeyName(const Bytes& id) { return "key " + HexEncode(id); }

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

Result<KeyRow> SigningKeys::LiveKeyRow(const Bytes& id) {
  SAMP11_ASSIGN_OR_RETURN(std::optional<KeyRow> row, context_.state.keys().FindKeyById(id));
  if (!row) return Status(Code::kNotFound, "no " + KeyName(id));
  SAMP11_RETURN_IF_ERROR(VerifyRowMac(context_.keys.mac, KeyStatusMacInput(*row), row->status_mac,
                                      "the status of " + KeyName(id)));
  if (row->status == key_status::kDestroyed) {
    return Status(Code::kNotFound, KeyName(id) + " was destroyed");
  }
  if (row->status != key_status::kEnabled && row->status != key_status::kDisabled) {
    return Status(Code::kTampered, KeyName(id) + " has an unknown status");
  }
  return std::move(*row);
}

Status SigningKeys::SetKeyStatus(const Bytes& id, const char* status, const char* event,
                                 const std::string& reason) {
  SAMP11_RETURN_IF_ERROR(audit_.CheckWritable());
  std::string owner;
  auto run = [&]() -> Status {
    SAMP11_ASSIGN_OR_RETURN(KeyRow row, LiveKeyRow(id));
    owner = row.owner;
    if (row.status == status) return Status::Ok();  // nothing to change; still recorded
    row.status = status;
    row.status_changed = context_.clock.NowSeconds();
    SAMP11_ASSIGN_OR_RETURN(row.status_mac, RowMac(context_.keys.mac, KeyStatusMacInput(row)));
    return context_.state.keys().UpdateKeyStatus(row);
  };
  Status result = run();
  AuditEvent audit;
  audit.event = event;
  audit.signer = owner;
  audit.key_id = id;
  audit.detail = reason;
  return audit_.Record(std::move(audit), result);
}

Status SigningKeys::DisableKey(const Bytes& id, const std::string& reason) {
  return SetKeyStatus(id, key_status::kDisabled, audit_event::kKeyDisable, reason);
}

Status SigningKeys::EnableKey(const Bytes& id, const std::string& reason) {
  return SetKeyStatus(id, key_status::kEnabled, audit_event::kKeyEnable, reason);
}

Status SigningKeys::DestroyKeyUnaudited(const Bytes& id, std::string* owner) {
  SAMP11_ASSIGN_OR_RETURN(KeyRow row, LiveKeyRow(id));
  *owner = row.owner;
  // A key in an inner token is deleted there first: if that fails, nothing is changed here and
  // the operator can try again. Unwrapping authenticates the reference before it is acted on.
  if (row.backend != key_backend::kFile) {
    // The AES-GCM open authenticates the reference (inner CKA_ID) with the whole row.
    Result<SecureBytes> material =
        AeadOpen(context_.keys.wrap, KeyWrapAad(row), row.wrapped_private);
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
  row.status_changed = context_.clock.NowSeconds();
  SAMP11_ASSIGN_OR_RETURN(row.status_mac, RowMac(context_.keys.mac, KeyStatusMacInput(row)));
  ForgetCachedKey(id);
  return context_.state.keys().DestroyKey(row);
}

Status SigningKeys::DestroyKey(const Bytes& id, const std::string& reason) {
  SAMP11_RETURN_IF_ERROR(audit_.CheckWritable());
  std::string owner;
  Status result = DestroyKeyUnaudited(id, &owner);
  AuditEvent audit;
  audit.event = audit_event::kKeyDestroy;
  audit.signer = owner;
  audit.key_id = id;
  audit.detail = reason;
  return audit_.Record(std::move(audit), result);
}

Status SigningKeys::DestroyKeysOf(const std::string& owner, const std::string& reason) {
  for (;;) {
    SAMP11_ASSIGN_OR_RETURN(std::vector<KeyRow> keys,
                            context_.state.keys().ListKeysByOwner(owner, 0, kRemovePage));
    if (keys.empty()) return Status::Ok();
    for (const KeyRow& key : keys) SAMP11_RETURN_IF_ERROR(DestroyKey(key.id, reason));
  }
}

Status SigningKeys::MarkCertified(const Bytes& id) {
  SAMP11_ASSIGN_OR_RETURN(KeyRow row, LiveKeyRow(id));
  if (row.certified) return Status::Ok();
  row.certified = true;
  SAMP11_ASSIGN_OR_RETURN(row.status_mac, RowMac(context_.keys.mac, KeyStatusMacInput(row)));
  return context_.state.keys().UpdateKeyStatus(row);
}

void SigningKeys::ForgetCachedKey(const Bytes& id) {
  std::lock_guard<std::mutex> lock(cache_mu_);
  for (auto it = key_cache_.begin(); it != key_cache_.end();) {
    it = it->second.info.id == id ? key_cache_.erase(it) : std::next(it);
  }
}

void SigningKeys::MoveToVersionLocked(const StateVersion& version) {
  if (version == key_state_version_) return;
  key_states_.clear();
  infos_by_handle_.clear();
  key_state_version_ = version;
}

Result<SigningKeys::KeyStateRows> SigningKeys::CheckedKeyStateRows(const Bytes& id) {
  // The version first: rows read after it are at least that recent.
  SAMP11_ASSIGN_OR_RETURN(StateVersion version, context_.state.maintenance().KeyStateVersion());
  {
    std::lock_guard<std::mutex> lock(key_state_mu_);
    MoveToVersionLocked(version);
    auto found = key_states_.find(id);
    if (found != key_states_.end()) return found->second;
  }
  KeyStateRows rows;
  SAMP11_ASSIGN_OR_RETURN(rows.key, LiveKeyRow(id));
  // The whole row, not its status alone: a key this process keeps unwrapped signs from values
  // authenticated when it was unwrapped, and a hand edit since must stop it here, at the next
  // C_SignInit or C_Sign, and drop it, not wait for a restart.
  if (Status kept = CheckKeptKey(rows.key); !kept.ok()) {
    ForgetCachedKey(id);
    return kept;
  }
  Result<SignerRow> signer = signers_.CheckedSignerRow(rows.key.owner);
  if (!signer.ok() && signer.status().code() == Code::kNotFound) {
    // A signer's row outlives its keys (a removed signer keeps it): a live key without one is an
    // edit (a deleted or renamed row).
    return Status(Code::kTampered, "signer '" + rows.key.owner + "' of " + KeyName(id) +
                                       " failed its integrity check (its row is gone)");
  }
  SAMP11_ASSIGN_OR_RETURN(rows.signer, std::move(signer));
  SAMP11_ASSIGN_OR_RETURN(rows.certs, context_.state.certs().FindCertsByKeyId(id));
  for (const CertRow& cert : rows.certs) SAMP11_RETURN_IF_ERROR(CheckCertRow(context_, cert));
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

Result<KeyUsability> SigningKeys::KeyUsabilityAt(const Bytes& id, int64_t now,
                                                 bool require_certificate) {
  KeyUsability usability;
  Result<KeyStateRows> rows = CheckedKeyStateRows(id);
  if (!rows.ok()) {
    if (rows.status().code() != Code::kNotFound) return rows.status();
    // Destroyed, or no such key, or (tampering) its signer's row is gone.
    SAMP11_ASSIGN_OR_RETURN(std::optional<KeyRow> any, context_.state.keys().FindKeyById(id));
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

Status SigningKeys::CheckKeyUsable(const Bytes& id, int64_t now, bool require_certificate) {
  Result<KeyUsability> checked = KeyUsabilityAt(id, now, require_certificate);
  if (!checked.ok()) return context_.ExplainStaleKey(checked.status());
  const KeyUsability& usability = *checked;
  if (usability.state == KeyState::kUsable) return Status::Ok();
  return Status(Code::kKeyNotPermitted, usability.reason);
}

}  // namespace samp11
