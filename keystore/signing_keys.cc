// Signing keys: generation inside the module, wrapping under the master key, and the unwrap that
// authenticates a key row before anything may sign with it.
#include <utility>

#include "crypto/keys.h"
#include "crypto/random.h"
#include "crypto/symmetric.h"
#include "keystore/aad.h"
#include "keystore/row_mac.h"
#include "keystore/signing_keys.h"

namespace samp11 {
namespace {

constexpr size_t kDefaultIdBytes = 16;
constexpr size_t kMaxId = 255;
constexpr size_t kMaxLabel = 255;

std::string KeyName(const Bytes& id) { return "key " + HexEncode(id); }

Status KeyTampered(const Bytes& id, const std::string& why) {
  return Status(Code::kTampered, KeyName(id) + " failed its integrity check (" + why + ")");
}

// Stores a new key's row. The store may fail after the row was written (its acknowledgement
// lost): the key would then exist while its caller, its audit record and, for a key in an inner
// token, the backend (which discards the key) are told it does not. A row under this id with this
// very wrapping (AES-GCM under a fresh nonce: no other row has it) is this row, stored.
Status InsertNewKeyRow(KeyStore& keys, KeyRow& row) {
  Status inserted = keys.InsertKey(row);
  if (inserted.ok()) return inserted;
  Result<std::optional<KeyRow>> there = keys.FindKeyById(row.id);
  if (!there.ok() || !there->has_value() || (*there)->wrapped_private != row.wrapped_private) {
    return inserted;
  }
  row.handle = (*there)->handle;
  return Status::Ok();
}

}  // namespace

Result<KeyInfo> SigningKeys::InfoFromRow(const KeyRow& row) {
  std::optional<KeyType> type = KeyTypeFromName(row.key_type);
  if (!type) return KeyTampered(row.id, "unknown key type");
  KeyInfo info;
  info.handle = row.handle;
  info.id = row.id;
  info.label = row.label;
  info.type = *type;
  info.owner = row.owner;
  info.scal = row.scal;
  info.policy_json = row.policy_json;
  info.public_spki = row.public_spki;
  info.created = row.created;
  info.backend = row.backend;
  info.origin = row.origin;
  info.status = row.status;
  if (row.origin != key_origin::kGenerated && row.origin != key_origin::kImported &&
      row.origin != key_origin::kImportedExposed) {
    return KeyTampered(row.id, "unknown origin");
  }
  // The v1 associated data of file keys does not cover the origin: a file key is always made here.
  if (row.backend == key_backend::kFile && row.origin != key_origin::kGenerated) {
    return KeyTampered(row.id, "a file key that claims to be imported");
  }
  return info;
}

SigningKeys::SigningKeys(KeystoreContext& context, AuditLog& audit, Signers& signers)
    : context_(context), audit_(audit), signers_(signers) {
  AddBackend(MakeFileKeyBackend());
}

void SigningKeys::AddBackend(std::unique_ptr<KeyBackend> backend) {
  std::string name = backend->name();
  backends_[name] = std::move(backend);
}

Status SigningKeys::SetDefaultBackend(const std::string& name) {
  if (backends_.count(name) == 0) {
    return Status(Code::kConfig, "key backend '" + name + "' is not configured for this token");
  }
  default_backend_ = name;
  return Status::Ok();
}

Result<KeyBackend*> SigningKeys::Backend(const std::string& name) {
  const std::string& chosen = name.empty() ? default_backend_ : name;
  auto it = backends_.find(chosen);
  if (it == backends_.end()) {
    return Status(Code::kConfig, "key backend '" + chosen + "' is not configured for this token");
  }
  return it->second.get();
}

Result<KeyRow> SigningKeys::NewKeyRow(const std::string& owner, KeyType type,
                                      const std::string& label, int scal, const Bytes& id,
                                      const std::optional<ActivationLimits>& limits) {
  SAMP11_ASSIGN_OR_RETURN(bool enrolled, signers_.SignerExists(owner));
  if (!enrolled) return Status(Code::kNotFound, "no signer '" + owner + "'");
  if (label.size() > kMaxLabel) {
    return Status(Code::kArgumentsBad, "a key label must be at most 255 bytes");
  }
  if (scal != 1 && scal != 2) return Status(Code::kArgumentsBad, "scal must be 1 or 2");
  KeyRow row;
  SAMP11_ASSIGN_OR_RETURN(row.policy_json, KeyPolicyJson(scal, limits));
  if (id.size() > kMaxId) return Status(Code::kArgumentsBad, "a key id must be at most 255 bytes");
  if (id.empty()) {
    SAMP11_ASSIGN_OR_RETURN(row.id, RandomBytes(kDefaultIdBytes));
  } else {
    row.id = id;
  }
  // Told before a backend makes anything: an inner token would otherwise keep an orphan key.
  SAMP11_ASSIGN_OR_RETURN(std::optional<KeyRow> taken, context_.state.keys().FindKeyById(row.id));
  if (taken) return Status(Code::kAlreadyExists, "a key with that id already exists");
  row.label = label;
  row.key_type = KeyTypeName(type);
  row.owner = owner;
  row.scal = scal;
  row.created = context_.clock.NowSeconds();
  row.status_changed = row.created;
  SAMP11_ASSIGN_OR_RETURN(row.status_mac, RowMac(context_.keys.mac, KeyStatusMacInput(row)));
  return row;
}

Result<UnwrappedKey> SigningKeys::StoreNewKey(KeyRow& row, KeyBackend& backend, BackendKey key) {
  row.backend = backend.name();
  row.public_spki = key.public_spki;
  Result<Bytes> wrapped =
      AeadSeal(context_.keys.wrap, KeyWrapAad(row), key.material.data(), key.material.size());
  Status stored =
      wrapped.ok() ? (row.wrapped_private = *wrapped, InsertNewKeyRow(context_.state.keys(), row))
                   : wrapped.status();
  if (!stored.ok()) {
    Status undone = backend.Discard(key);
    if (!undone.ok()) {
      return Status(stored.code(), stored.message() +
                                       "; and the new key could not be removed from "
                                       "its backend: " +
                                       undone.message());
    }
    return stored;
  }
  SAMP11_ASSIGN_OR_RETURN(KeyInfo info, InfoFromRow(row));
  UnwrappedKey unwrapped{std::move(info), key.signer, key.private_key};
  std::lock_guard<std::mutex> lock(cache_mu_);
  CacheKeyLocked(unwrapped);
  return unwrapped;
}

Result<UnwrappedKey> SigningKeys::GenerateKey(const std::string& owner, KeyType type,
                                              const std::string& label, int scal, const Bytes& id,
                                              const std::optional<ActivationLimits>& limits,
                                              const std::string& backend_name) {
  SAMP11_RETURN_IF_ERROR(audit_.CheckWritable());
  std::string used_backend = backend_name.empty() ? default_backend_ : backend_name;
  auto run = [&]() -> Result<UnwrappedKey> {
    SAMP11_ASSIGN_OR_RETURN(KeyBackend * backend, Backend(backend_name));
    SAMP11_ASSIGN_OR_RETURN(KeyRow row, NewKeyRow(owner, type, label, scal, id, limits));
    SAMP11_ASSIGN_OR_RETURN(BackendKey key, backend->Generate(type, row.id, label));
    return StoreNewKey(row, *backend, std::move(key));
  };
  Result<UnwrappedKey> generated = run();
  AuditEvent audit;
  audit.event = audit_event::kKeyGenerate;
  audit.signer = owner;
  audit.key_id = generated.ok() ? generated->info.id : id;
  audit.detail = std::string(KeyTypeName(type)) + ", SCAL" + std::to_string(scal) + ", " +
                 used_backend + " backend";
  SAMP11_RETURN_IF_ERROR(audit_.Record(std::move(audit), generated.status()));
  return generated;
}

Result<UnwrappedKey> SigningKeys::ImportKey(const std::string& owner,
                                            const std::string& backend_name, const Bytes& inner_id,
                                            const std::string& label, int scal, const Bytes& id,
                                            const std::optional<ActivationLimits>& limits,
                                            AdoptedKeyFacts* facts) {
  SAMP11_RETURN_IF_ERROR(audit_.CheckWritable());
  AdoptedKeyFacts local_facts;
  AdoptedKeyFacts& known = facts ? *facts : local_facts;
  auto run = [&]() -> Result<UnwrappedKey> {
    if (inner_id.empty()) return Status(Code::kArgumentsBad, "the key to import needs its id");
    SAMP11_ASSIGN_OR_RETURN(KeyBackend * backend, Backend(backend_name));
    SAMP11_ASSIGN_OR_RETURN(BackendKey key, backend->Adopt(inner_id, &known));
    SAMP11_ASSIGN_OR_RETURN(
        KeyRow row, NewKeyRow(owner, known.type, label, scal, id.empty() ? inner_id : id, limits));
    // An adopted key was not made here: if its row cannot be stored, it stays where it was.
    row.backend = backend->name();
    row.origin = known.always_sensitive && known.never_extractable ? key_origin::kImported
                                                                   : key_origin::kImportedExposed;
    row.public_spki = key.public_spki;
    SAMP11_ASSIGN_OR_RETURN(
        row.wrapped_private,
        AeadSeal(context_.keys.wrap, KeyWrapAad(row), key.material.data(), key.material.size()));
    SAMP11_RETURN_IF_ERROR(InsertNewKeyRow(context_.state.keys(), row));
    SAMP11_ASSIGN_OR_RETURN(KeyInfo info, InfoFromRow(row));
    UnwrappedKey unwrapped{std::move(info), key.signer, key.private_key};
    std::lock_guard<std::mutex> lock(cache_mu_);
    CacheKeyLocked(unwrapped);
    return unwrapped;
  };
  Result<UnwrappedKey> imported = run();
  AuditEvent audit;
  audit.event = audit_event::kKeyImport;
  audit.signer = owner;
  audit.key_id = imported.ok() ? imported->info.id : (id.empty() ? inner_id : id);
  audit.detail =
      (imported.ok() ? std::string(KeyTypeName(imported->info.type)) + ", " : std::string()) +
      "SCAL" + std::to_string(scal) + ", from the " +
      (backend_name.empty() ? default_backend_ : backend_name) + " backend, inner id " +
      HexEncode(inner_id) +
      (imported.ok() && !(known.always_sensitive && known.never_extractable)
           ? ", was once readable or extractable"
           : "");
  SAMP11_RETURN_IF_ERROR(audit_.Record(std::move(audit), imported.status()));
  return imported;
}

Result<KeyInfo> SigningKeys::CheckedInfo(const KeyRow& row) {
  // The status MAC covers the id and the lifecycle; the wrapping's associated data every other
  // authoritative field (CheckedBinding).
  SAMP11_RETURN_IF_ERROR(
      context_.ExplainStaleKey(VerifyRowMac(context_.keys.mac, KeyStatusMacInput(row),
                                            row.status_mac, "the status of " + KeyName(row.id))));
  return CheckedBinding(row);
}

Result<KeyInfo> SigningKeys::CheckedBinding(const KeyRow& row) {
  // The associated data covers owner, type, SCAL, policy, public key, backend and origin. Opening
  // the wrapping proves those without using the key; the plaintext is wiped at once.
  Result<SecureBytes> opened = AeadOpen(context_.keys.wrap, KeyWrapAad(row), row.wrapped_private);
  if (!opened.ok()) {
    if (opened.status().code() == Code::kInternal) return opened.status();
    return context_.ExplainStaleKey(KeyTampered(row.id, "edited, swapped or foreign row"));
  }
  return InfoFromRow(row);
}

Result<std::vector<KeyInfo>> SigningKeys::CheckedInfos(Result<std::vector<KeyRow>> rows) {
  if (!rows.ok()) return rows.status();
  std::vector<KeyInfo> infos;
  infos.reserve(rows->size());
  for (const KeyRow& row : *rows) {
    SAMP11_ASSIGN_OR_RETURN(KeyInfo info, CheckedInfo(row));
    infos.push_back(std::move(info));
  }
  return infos;
}

// A destroyed key is not there for anyone but `samp11 key info` (DescribeKey). The answer is
// kept while KeyStateVersion stays the same (the version first: rows read after it are at least
// that recent), as the key-state rows are: any write of another user of the state, or any change
// of this one's outside the signing path, reads it afresh.
Result<std::optional<KeyInfo>> SigningKeys::FindKeyByHandle(int64_t handle) {
  SAMP11_ASSIGN_OR_RETURN(StateVersion version, context_.state.maintenance().KeyStateVersion());
  {
    std::lock_guard<std::mutex> lock(key_state_mu_);
    MoveToVersionLocked(version);
    auto found = infos_by_handle_.find(handle);
    if (found != infos_by_handle_.end()) return found->second;
  }
  std::optional<KeyInfo> answer;
  SAMP11_ASSIGN_OR_RETURN(std::optional<KeyRow> row, context_.state.keys().FindKeyByHandle(handle));
  if (row && row->status != key_status::kDestroyed) {
    SAMP11_ASSIGN_OR_RETURN(KeyInfo info, CheckedInfo(*row));
    answer = std::move(info);
  }
  std::lock_guard<std::mutex> lock(key_state_mu_);
  if (version == key_state_version_) {
    if (infos_by_handle_.size() >= kMaxCachedKeyStates) infos_by_handle_.clear();
    infos_by_handle_.emplace(handle, answer);
  }
  return answer;
}

Result<std::optional<KeyInfo>> SigningKeys::FindKeyById(const Bytes& id) {
  SAMP11_ASSIGN_OR_RETURN(std::optional<KeyRow> row, context_.state.keys().FindKeyById(id));
  if (!row || row->status == key_status::kDestroyed) return std::optional<KeyInfo>();
  SAMP11_ASSIGN_OR_RETURN(KeyInfo info, CheckedInfo(*row));
  return std::optional<KeyInfo>(std::move(info));
}

Result<std::vector<KeyInfo>> SigningKeys::FindKeysByLabel(const std::string& label, int64_t after,
                                                          size_t limit) {
  return CheckedInfos(context_.state.keys().FindKeysByLabel(label, after, limit));
}

Result<std::vector<KeyInfo>> SigningKeys::ListKeys(int64_t after, size_t limit) {
  return CheckedInfos(context_.state.keys().ListKeys(after, limit));
}

Result<std::optional<KeyInfo>> SigningKeys::DescribeKey(const Bytes& id) {
  SAMP11_ASSIGN_OR_RETURN(std::optional<KeyRow> row, context_.state.keys().FindKeyById(id));
  if (!row) return std::optional<KeyInfo>();
  SAMP11_RETURN_IF_ERROR(
      context_.ExplainStaleKey(VerifyRowMac(context_.keys.mac, KeyStatusMacInput(*row),
                                            row->status_mac, "the status of " + KeyName(id))));
  SAMP11_ASSIGN_OR_RETURN(KeyInfo info, InfoFromRow(*row));
  return std::optional<KeyInfo>(std::move(info));
}

Result<UnwrappedKey> SigningKeys::Unwrap(int64_t handle) {
  {
    std::lock_guard<std::mutex> lock(cache_mu_);
    auto it = key_cache_.find(handle);
    if (it != key_cache_.end()) return it->second;
  }
  SAMP11_ASSIGN_OR_RETURN(std::optional<KeyRow> row, context_.state.keys().FindKeyByHandle(handle));
  if (!row) return Status(Code::kNotFound, "no key with handle " + std::to_string(handle));
  if (row->status == key_status::kDestroyed) {
    return Status(Code::kNotFound, KeyName(row->id) + " was destroyed");
  }
  SAMP11_ASSIGN_OR_RETURN(KeyInfo info, InfoFromRow(*row));

  // The associated data binds the blob to every authoritative field of its row: an edited owner,
  // SCAL, policy, backend or public key, a blob moved from another row or another token, all
  // fail here.
  Result<SecureBytes> material =
      AeadOpen(context_.keys.wrap, KeyWrapAad(*row), row->wrapped_private);
  if (!material.ok()) {
    if (material.status().code() == Code::kInternal) return material.status();
    return context_.ExplainStaleKey(
        Status(Code::kTampered, KeyName(row->id) + " failed its integrity check (edited, "
                                                   "swapped or foreign row)"));
  }
  auto backend = backends_.find(row->backend);
  if (backend == backends_.end()) {
    return Status(Code::kConfig, KeyName(row->id) + " lives in the " + row->backend +
                                     " backend, which is not configured for this token");
  }
  Result<BackendKey> key = backend->second->Load(info.type, row->public_spki, *material);
  if (!key.ok()) {
    if (key.status().code() == Code::kTampered) return KeyTampered(row->id, key.status().message());
    return Status(key.status().code(), KeyName(row->id) + ": " + key.status().message());
  }
  UnwrappedKey unwrapped{std::move(info), key->signer, key->private_key};
  std::lock_guard<std::mutex> lock(cache_mu_);
  CacheKeyLocked(unwrapped);
  return unwrapped;
}

bool SameKeyBinding(const KeyInfo& a, const KeyInfo& b) {
  return a.handle == b.handle && a.id == b.id && a.type == b.type && a.owner == b.owner &&
         a.scal == b.scal && a.policy_json == b.policy_json && a.public_spki == b.public_spki &&
         a.created == b.created && a.backend == b.backend && a.origin == b.origin;
}

Status SigningKeys::CheckKeptKey(const KeyRow& row) {
  SAMP11_ASSIGN_OR_RETURN(KeyInfo now, CheckedBinding(row));
  std::lock_guard<std::mutex> lock(cache_mu_);
  auto kept = key_cache_.find(row.handle);
  // A row that checks but binds otherwise than the one the key was unwrapped from is one moved
  // here from elsewhere: no command rewrites a binding.
  if (kept != key_cache_.end() && !SameKeyBinding(kept->second.info, now)) {
    return KeyTampered(row.id, "its row changed since it was unwrapped");
  }
  return Status::Ok();
}

void SigningKeys::CacheKeyLocked(const UnwrappedKey& key) {
  // Bounded: a token may hold a million keys, and a long-running signing server must not end up
  // holding every one of them unwrapped. Evicting an arbitrary entry is enough here: the cost of
  // a miss is one AES-GCM open and one key parse.
  if (key_cache_.size() >= kMaxCachedKeys && key_cache_.count(key.info.handle) == 0) {
    key_cache_.erase(key_cache_.begin());
  }
  // Another thread may have unwrapped the same key meanwhile; either copy is as good.
  key_cache_.emplace(key.info.handle, key);
}

}  // namespace samp11
