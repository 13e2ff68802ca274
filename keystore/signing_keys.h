// Signing keys: generation and import in a key backend (key_backend.h), wrapping under the master
// key, the unwrap that authenticates a key row before anything may sign with it, and the key
// lifecycle with the check, before every signature, that the key, its signer and its certificate
// allow it now. Private keys are wrapped with AES-256-GCM whose associated data binds each blob
// to its key id, owner, type, SCAL, policy and public key (aad.h): editing or swapping any of them
// makes the key unusable (kTampered), never transferable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/key_type.h"
#include "crypto/ossl.h"
#include "crypto/signing_key.h"
#include "keystore/audit_log.h"
#include "keystore/key_backend.h"
#include "keystore/key_policy.h"
#include "keystore/keystore_context.h"
#include "keystore/lifecycle.h"
#include "keystore/signers.h"

namespace samp11 {

struct KeyInfo {
  int64_t handle = 0;
  Bytes id;
  std::string label;
  KeyType type;
  std::string owner;
  int scal = 2;
  std::string policy_json;
  Bytes public_spki;
  int64_t created = 0;
  std::string backend = key_backend::kFile;     // where the private half lives (key_backend.h)
  std::string origin = key_origin::kGenerated;  // how it came to samp11 (key_backend.h)
  std::string status = key_status::kEnabled;    // as stored: authenticated by KeyUsabilityAt
};

// A key whose row was authenticated by unwrapping it: only this may be used to sign.
struct UnwrappedKey {
  KeyInfo info;
  std::shared_ptr<const SigningKey> signer;  // wherever the key lives; never null
  SharedPkey private_key;                    // file keys only: null for a key in a PKCS#11 token
};

// The fields a key's wrapping binds (aad.h) are the same: two answers about one key, read at two
// times, must always agree on them, since no command changes them.
bool SameKeyBinding(const KeyInfo& a, const KeyInfo& b);

class SigningKeys {
 public:
  SigningKeys(KeystoreContext& context, AuditLog& audit, Signers& signers);
  SigningKeys(const SigningKeys&) = delete;
  SigningKeys& operator=(const SigningKeys&) = delete;

  // Key backends: "file" is always there; others (the pkcs11 backend) are added from the
  // configuration before the keystore is shared. The default one takes new keys.
  void AddBackend(std::unique_ptr<KeyBackend> backend);
  Status SetDefaultBackend(const std::string& name);  // kConfig for a backend not added
  const std::string& default_backend() const { return default_backend_; }

  // Generates a key in a backend (empty: the default one), bound to owner for life. id defaults
  // to 16 random bytes. A SCAL1 key needs activation limits (key_policy.h), a SCAL2 key none.
  // Audited.
  Result<UnwrappedKey> GenerateKey(const std::string& owner, KeyType type, const std::string& label,
                                   int scal, const Bytes& id = Bytes(),
                                   const std::optional<ActivationLimits>& limits = std::nullopt,
                                   const std::string& backend = "");
  // Binds a key the backend already holds (pkcs11: a private key object named by its CKA_ID
  // inner_id, sensitive and not extractable) to owner, as GenerateKey would have; id defaults
  // to inner_id. facts, when given, says what is known of the key's past. Audited.
  Result<UnwrappedKey> ImportKey(const std::string& owner, const std::string& backend,
                                 const Bytes& inner_id, const std::string& label, int scal,
                                 const Bytes& id = Bytes(),
                                 const std::optional<ActivationLimits>& limits = std::nullopt,
                                 AdoptedKeyFacts* facts = nullptr);

  // Lookups of live keys (destroyed ones are not there), a page at a time where there may be
  // many. Every row is authenticated (status MAC, and the wrapping's associated data, without
  // using the key): kTampered for one that fails, never an edited owner, type or SCAL.
  Result<std::optional<KeyInfo>> FindKeyByHandle(int64_t handle);
  Result<std::optional<KeyInfo>> FindKeyById(const Bytes& id);
  Result<std::vector<KeyInfo>> FindKeysByLabel(const std::string& label, int64_t after,
                                               size_t limit);
  Result<std::vector<KeyInfo>> ListKeys(int64_t after, size_t limit);
  // What is known of a key, destroyed ones included (`samp11 key info`: how an operator checks
  // that a destroy happened); its status MAC checked, kTampered if it fails.
  Result<std::optional<KeyInfo>> DescribeKey(const Bytes& id);
  // Decrypts and authenticates the key row (up to kMaxCachedKeys keys stay unwrapped in memory;
  // KeyUsabilityAt, which every signature asks after Unwrap, checks a kept key against its row
  // whenever the row may have changed, and drops it if the row no longer holds it).
  Result<UnwrappedKey> Unwrap(int64_t handle);

  // Lifecycle (lifecycle.h). Each change is audited; reason, when given, goes into the record.
  // kNotFound for an unknown or destroyed key, kArgumentsBad for a change that makes no sense.
  Status DisableKey(const Bytes& id, const std::string& reason);
  Status EnableKey(const Bytes& id, const std::string& reason);
  // Erases the wrapped key from the state (and deletes a pkcs11-backend key in its inner token);
  // the row stays as a tombstone so that the id is never reused. Cannot be undone.
  Status DestroyKey(const Bytes& id, const std::string& reason);
  // Destroys every live key of owner, each audited on its own: an interruption leaves the owner
  // with fewer keys, never a half-destroyed key.
  Status DestroyKeysOf(const std::string& owner, const std::string& reason);
  // Reads the key's, its signer's and its certificates' rows (afresh when another process may
  // have changed them) and checks their MACs and the key's wrapping: kTampered if one fails, if
  // the key kept unwrapped here was bound otherwise, or if a live key's signer has no row (no
  // command deletes one); kNotFound for no such key.
  Result<KeyUsability> KeyUsabilityAt(const Bytes& id, int64_t now, bool require_certificate);
  // Ok, or kKeyNotPermitted with the reason.
  Status CheckKeyUsable(const Bytes& id, int64_t now, bool require_certificate);
  // The live key's row with its status MAC checked; kNotFound when destroyed or absent.
  Result<KeyRow> LiveKeyRow(const Bytes& id);
  // Marks the key certified (certificates.h): from then on it signs only under a valid
  // certificate, and deleting certificate rows does not lift that.
  Status MarkCertified(const Bytes& id);

  // Benchmarks only (keystore_bulk.cc, bench/): count SCAL2 file keys of type for owner, ids
  // id_prefix followed by the 8-byte big-endian counter first..first+count-1, inserted in one
  // atomic write, wrapped and MAC'd as GenerateKey does; one audit record for the whole batch.
  Status BulkAddFileKeysForBenchmark(const std::string& owner, KeyType type, const Bytes& id_prefix,
                                     int64_t first, int64_t count);

 private:
  Result<KeyInfo> InfoFromRow(const KeyRow& row);  // decoded, not checked
  Result<KeyInfo> CheckedInfo(const KeyRow& row);  // both MACs checked, then decoded
  // The wrapping's associated data checked (not the status MAC), then decoded.
  Result<KeyInfo> CheckedBinding(const KeyRow& row);
  // A live row read afresh, bound fields checked, against the key this process keeps unwrapped
  // under its handle, if any: kTampered if the row fails its check or names another binding.
  Status CheckKeptKey(const KeyRow& row);
  Result<std::vector<KeyInfo>> CheckedInfos(Result<std::vector<KeyRow>> rows);
  Result<KeyBackend*> Backend(const std::string& name);  // "" is the default
  // The row for a new key, checked and named; GenerateKey and ImportKey fill in the key.
  Result<KeyRow> NewKeyRow(const std::string& owner, KeyType type, const std::string& label,
                           int scal, const Bytes& id,
                           const std::optional<ActivationLimits>& limits);
  // Wraps key.material into row, stores it (undoing the backend's key if the row is refused),
  // and caches the result.
  Result<UnwrappedKey> StoreNewKey(KeyRow& row, KeyBackend& backend, BackendKey key);
  Status SetKeyStatus(const Bytes& id, const char* status, const char* event,
                      const std::string& reason);
  Status DestroyKeyUnaudited(const Bytes& id, std::string* owner);
  void ForgetCachedKey(const Bytes& id);
  void CacheKeyLocked(const UnwrappedKey& key);  // cache_mu_ held

  // What decides whether a live key may sign, every MAC checked: its row (its status MAC and
  // its wrapping's associated data, so that an edited owner, SCAL, policy, public key or wrapped
  // key is seen here, and a key kept unwrapped for an older row is dropped), its signer's row and
  // its certificates. Read twice per signature (C_SignInit, C_Sign), so kept while
  // MaintenanceStore::KeyStateVersion stays the same; any write of another user of the state,
  // or any change of this one's outside the signing path, reads them afresh.
  struct KeyStateRows {
    KeyRow key;
    SignerRow signer;
    std::vector<CertRow> certs;
  };
  Result<KeyStateRows> CheckedKeyStateRows(const Bytes& id);
  // Drops what was read at an older KeyStateVersion (key_state_mu_ held).
  void MoveToVersionLocked(const StateVersion& version);

  static constexpr size_t kMaxCachedKeys = 4096;
  static constexpr size_t kMaxCachedKeyStates = 4096;

  KeystoreContext& context_;
  AuditLog& audit_;
  Signers& signers_;

  std::unordered_map<std::string, std::unique_ptr<KeyBackend>> backends_;
  std::string default_backend_ = key_backend::kFile;

  std::mutex key_state_mu_;
  StateVersion key_state_version_;
  std::map<Bytes, KeyStateRows> key_states_;  // read at key_state_version_
  // FindKeyByHandle's answers (C_SignInit asks for its key's every time), read at
  // key_state_version_ too: a row read, a MAC and an AES-GCM open each, otherwise.
  std::unordered_map<int64_t, std::optional<KeyInfo>> infos_by_handle_;

  std::mutex cache_mu_;
  std::unordered_map<int64_t, UnwrappedKey> key_cache_;
};

}  // namespace samp11
