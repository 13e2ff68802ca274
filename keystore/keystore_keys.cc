// Signing keys: generation inside the module, wrapping under the master key, and the unwrap that
// authenticates a key row before anything may sign with it.
#include <ctime>
#include <utility>

#include "crypto/keys.h"
#include "crypto/random.h"
#include "crypto/symmetric.h"
#include "keystore/aad.h"
#include "keystore/keystore.h"

namespace samp11 {
namespace {

constexpr size_t kDefaultIdBytes = 16;
constexpr size_t kMaxId = 255;
constexpr size_t kMaxLabel = 255;

std::string KeyName(const Bytes& id) { return "key " + HexEncode(id); }

Status KeyTampered(const Bytes& id, const std::string& why) {
  return Status(Code::kTampered, KeyName(id) + " failed its integrity check (" + why + ")");
}

}  // namespace

Result<KeyInfo> Keystore::InfoFromRow(const KeyRow& row) {
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
  return info;
}

Result<UnwrappedKey> Keystore::GenerateKey(const std::string& owner, KeyType type,
                                           const std::string& label, int scal, const Bytes& id,
                                           const std::optional<ActivationLimits>& limits) {
  SAMP11_RETURN_IF_ERROR(CheckAuditWritable());
  auto run = [&]() -> Result<UnwrappedKey> {
    SAMP11_ASSIGN_OR_RETURN(bool enrolled, SignerExists(owner));
    if (!enrolled) return Status(Code::kNotFound, "no signer '" + owner + "'");
    if (label.size() > kMaxLabel) {
      return Status(Code::kArgumentsBad, "a key label must be at most 255 bytes");
    }
    if (scal != 1 && scal != 2) return Status(Code::kArgumentsBad, "scal must be 1 or 2");
    SAMP11_ASSIGN_OR_RETURN(std::string policy_json, KeyPolicyJson(scal, limits));
    if (id.size() > kMaxId) {
      return Status(Code::kArgumentsBad, "a key id must be at most 255 bytes");
    }

    KeyRow row;
    if (id.empty()) {
      SAMP11_ASSIGN_OR_RETURN(row.id, RandomBytes(kDefaultIdBytes));
    } else {
      row.id = id;
    }
    // The member GenerateKey hides crypto's free function of the same name.
    SAMP11_ASSIGN_OR_RETURN(EvpPkeyPtr key, ::samp11::GenerateKey(type));
    row.label = label;
    row.key_type = KeyTypeName(type);
    row.owner = owner;
    row.scal = scal;
    row.policy_json = policy_json;
    SAMP11_ASSIGN_OR_RETURN(row.public_spki, PublicKeyToSpki(key.get()));
    row.created = static_cast<int64_t>(std::time(nullptr));
    {
      SAMP11_ASSIGN_OR_RETURN(SecureBytes pkcs8, PrivateKeyToPkcs8(key.get()));
      SAMP11_ASSIGN_OR_RETURN(row.wrapped_private,
                              AeadSeal(keys_.wrap, KeyWrapAad(row), pkcs8.data(), pkcs8.size()));
    }
    SAMP11_RETURN_IF_ERROR(state_->InsertKey(row));

    SAMP11_ASSIGN_OR_RETURN(KeyInfo info, InfoFromRow(row));
    UnwrappedKey unwrapped{std::move(info), Share(std::move(key))};
    std::lock_guard<std::mutex> lock(cache_mu_);
    CacheKeyLocked(unwrapped);
    return unwrapped;
  };
  Result<UnwrappedKey> generated = run();
  AuditEvent audit;
  audit.event = audit_event::kKeyGenerate;
  audit.signer = owner;
  audit.key_id = generated.ok() ? generated->info.id : id;
  audit.detail = std::string(KeyTypeName(type)) + ", SCAL" + std::to_string(scal);
  SAMP11_RETURN_IF_ERROR(AuditResult(std::move(audit), generated.status()));
  return generated;
}

Result<std::optional<KeyInfo>> Keystore::FindKeyByHandle(int64_t handle) {
  SAMP11_ASSIGN_OR_RETURN(std::optional<KeyRow> row, state_->FindKeyByHandle(handle));
  if (!row) return std::optional<KeyInfo>();
  SAMP11_ASSIGN_OR_RETURN(KeyInfo info, InfoFromRow(*row));
  return std::optional<KeyInfo>(std::move(info));
}

Result<std::optional<KeyInfo>> Keystore::FindKeyById(const Bytes& id) {
  SAMP11_ASSIGN_OR_RETURN(std::optional<KeyRow> row, state_->FindKeyById(id));
  if (!row) return std::optional<KeyInfo>();
  SAMP11_ASSIGN_OR_RETURN(KeyInfo info, InfoFromRow(*row));
  return std::optional<KeyInfo>(std::move(info));
}

Result<std::vector<KeyInfo>> Keystore::FindKeysByLabel(const std::string& label, int64_t after,
                                                       size_t limit) {
  SAMP11_ASSIGN_OR_RETURN(std::vector<KeyRow> rows, state_->FindKeysByLabel(label, after, limit));
  std::vector<KeyInfo> infos;
  infos.reserve(rows.size());
  for (const KeyRow& row : rows) {
    SAMP11_ASSIGN_OR_RETURN(KeyInfo info, InfoFromRow(row));
    infos.push_back(std::move(info));
  }
  return infos;
}

Result<std::vector<KeyInfo>> Keystore::ListKeys(int64_t after, size_t limit) {
  SAMP11_ASSIGN_OR_RETURN(std::vector<KeyRow> rows, state_->ListKeys(after, limit));
  std::vector<KeyInfo> infos;
  infos.reserve(rows.size());
  for (const KeyRow& row : rows) {
    SAMP11_ASSIGN_OR_RETURN(KeyInfo info, InfoFromRow(row));
    infos.push_back(std::move(info));
  }
  return infos;
}

Result<UnwrappedKey> Keystore::Unwrap(int64_t handle) {
  {
    std::lock_guard<std::mutex> lock(cache_mu_);
    auto it = key_cache_.find(handle);
    if (it != key_cache_.end()) return it->second;
  }
  SAMP11_ASSIGN_OR_RETURN(std::optional<KeyRow> row, state_->FindKeyByHandle(handle));
  if (!row) return Status(Code::kNotFound, "no key with handle " + std::to_string(handle));
  SAMP11_ASSIGN_OR_RETURN(KeyInfo info, InfoFromRow(*row));

  // The associated data binds the blob to every authoritative field of its row: an edited owner,
  // SCAL, policy or public key, a blob moved from another row or another token, all fail here.
  Result<SecureBytes> pkcs8 = AeadOpen(keys_.wrap, KeyWrapAad(*row), row->wrapped_private);
  if (!pkcs8.ok()) {
    if (pkcs8.status().code() == Code::kInternal) return pkcs8.status();
    return Status(Code::kTampered, KeyName(row->id) +
                                       " failed its integrity check (edited, swapped or foreign "
                                       "row)");
  }
  Result<EvpPkeyPtr> key = PrivateKeyFromPkcs8(pkcs8->data(), pkcs8->size());
  if (!key.ok()) return KeyTampered(row->id, "unreadable private key");
  // Belt and braces: the public key the row shows (and that certificates are matched against)
  // must be the one the private key really has.
  Result<Bytes> spki = PublicKeyToSpki(key->get());
  if (!spki.ok() || *spki != row->public_spki) {
    return KeyTampered(row->id, "private key does not match the public key");
  }
  Result<KeyType> type = KeyTypeOf(key->get());
  if (!type.ok() || *type != info.type) return KeyTampered(row->id, "key type mismatch");

  UnwrappedKey unwrapped{std::move(info), Share(std::move(*key))};
  std::lock_guard<std::mutex> lock(cache_mu_);
  CacheKeyLocked(unwrapped);
  return unwrapped;
}

void Keystore::CacheKeyLocked(const UnwrappedKey& key) {
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
