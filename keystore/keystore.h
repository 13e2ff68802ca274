// A token's keystore: the durable rows of state_store.h, authenticated and decrypted under the
// master key. Private keys are wrapped with AES-256-GCM whose associated data binds each blob to
// its key id, owner, type, SCAL, policy and public key: editing or swapping any of them makes the
// key unusable (kTampered), never transferable. Signer enrolments and activation keys carry an
// HMAC over every field. The keystore decides nothing about SADs; the SAM does.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/status.h"
#include "crypto/key_type.h"
#include "crypto/ossl.h"
#include "crypto/signing_key.h"
#include "keystore/audit.h"
#include "keystore/backup_file.h"
#include "keystore/key_backend.h"
#include "keystore/key_policy.h"
#include "keystore/lifecycle.h"
#include "keystore/master_key.h"
#include "keystore/pins.h"
#include "keystore/signature_journal.h"
#include "sad/sad.h"
#include "state/state_location.h"
#include "state/state_store.h"

namespace samp11 {

enum class ActivationKeyRole { kDevice, kAuthorizationServer };
const char* RoleName(ActivationKeyRole role);

struct ActivationKey {
  std::string kid;
  ActivationKeyRole role;
  std::string owner;  // signer (device) or issuer name (authorization server)
  SadAlg alg;
  SharedPkey public_key;
};

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
  std::string status = key_status::kEnabled;    // as stored: authenticated by KeyUsabilityNow
};

// A key whose row was authenticated by unwrapping it: only this may be used to sign.
struct UnwrappedKey {
  KeyInfo info;
  std::shared_ptr<const SigningKey> signer;  // wherever the key lives; never null
  SharedPkey private_key;                    // file keys only: null for a key in a PKCS#11 token
};

class Keystore {
 public:
  // Makes a new token at location: its state, identity and label. The master key must already
  // exist (key file) or the passphrase be set; both it and label (the CK_TOKEN_INFO label, 1 to
  // 32 bytes) are checked before anything is made. clock stamps every time the keystore records.
  static Result<std::unique_ptr<Keystore>> Create(StateLocation& location,
                                                  const MasterKeySource& master,
                                                  const std::string& label,
                                                  const Clock& clock = DefaultClock());
  // Opens the token in store; a wrong master key is kConfig with a clear message.
  static Result<std::unique_ptr<Keystore>> Open(std::unique_ptr<StateStore> store,
                                                const MasterKeySource& master,
                                                const Clock& clock = DefaultClock());

  const std::string& identity() const { return identity_; }  // the SAD `aud`
  const std::string& label() const { return label_; }

  // Signers and the keys that may activate for them.
  Status AddSigner(const std::string& name);
  Result<bool> SignerExists(const std::string& name);  // MAC checked: kTampered if edited
  Result<std::vector<std::string>> ListSigners();
  // Registers a public key (P-256, P-384, Ed25519). kid defaults to the RFC 7638 thumbprint.
  // A device key's owner must be an enrolled signer.
  Result<std::string> AddActivationKey(ActivationKeyRole role, const std::string& owner,
                                       EVP_PKEY* public_key, const std::string& kid = "");
  // MAC checked; cached after the first successful check.
  Result<ActivationKey> GetActivationKey(const std::string& kid);
  Result<std::vector<ActivationKey>> ListActivationKeys();

  // Key backends (key_backend.h): "file" is always there; others (the pkcs11 backend) are added
  // from the configuration before the keystore is shared. The default one takes new keys.
  void AddBackend(std::unique_ptr<KeyBackend> backend);
  Status SetDefaultBackend(const std::string& name);  // kConfig for a backend not added
  const std::string& default_backend() const { return default_backend_; }

  // Generates a key in a backend (empty: the default one), bound to owner for life. id defaults
  // to 16 random bytes. A SCAL1 key needs activation limits (key_policy.h), a SCAL2 key none.
  Result<UnwrappedKey> GenerateKey(const std::string& owner, KeyType type, const std::string& label,
                                   int scal, const Bytes& id = Bytes(),
                                   const std::optional<ActivationLimits>& limits = std::nullopt,
                                   const std::string& backend = "");
  // Binds a key the backend already holds (pkcs11: a private key object named by its CKA_ID
  // inner_id, sensitive and not extractable) to owner, as GenerateKey would have; id defaults
  // to inner_id. facts, when given, says what is known of the key's past.
  Result<UnwrappedKey> ImportKey(const std::string& owner, const std::string& backend,
                                 const Bytes& inner_id, const std::string& label, int scal,
                                 const Bytes& id = Bytes(),
                                 const std::optional<ActivationLimits>& limits = std::nullopt,
                                 AdoptedKeyFacts* facts = nullptr);
  // Row lookups: fine for attributes; not authenticated until Unwrap.
  Result<std::optional<KeyInfo>> FindKeyByHandle(int64_t handle);
  Result<std::optional<KeyInfo>> FindKeyById(const Bytes& id);
  Result<std::vector<KeyInfo>> FindKeysByLabel(const std::string& label, int64_t after,
                                               size_t limit);
  Result<std::vector<KeyInfo>> ListKeys(int64_t after, size_t limit);
  // Decrypts and authenticates the key row (up to kMaxCachedKeys keys stay unwrapped in memory).
  Result<UnwrappedKey> Unwrap(int64_t handle);

  // Stores a certificate for an existing key (its public key must match the key's).
  Result<CertRow> ImportCertificate(const Bytes& key_id, const Bytes& pem_or_der,
                                    const std::string& label);
  StateStore& state() { return *state_; }

  // Replay: true if this call spent the hash; false if it was already spent (by anyone).
  Result<bool> SpendHash(const std::string& kid, const std::string& jti, const Bytes& hash,
                         const Bytes& key_id, int64_t sad_exp);
  Result<bool> IsHashSpent(const std::string& kid, const std::string& jti, const Bytes& hash);

  // Deposits: SADs handed in ahead of the signature they activate (`samp11 sad deposit`). The
  // SAM verifies a SAD before depositing it and again when it uses it.
  Status DepositSad(const DepositRow& row);  // kAlreadyExists for a (kid, jti) already there
  Result<std::vector<std::string>> FindDepositedSads(const Bytes& key_id, const Bytes& hash,
                                                     int64_t min_exp);
  Result<int64_t> PurgeDeposits(int64_t sad_exp_before);
  // Requests for a SAD waiting for a signer's device (the deposit SAD provider; state_store.h).
  Status RecordSadRequest(const SadRequestRow& row);
  Result<std::optional<SadRequestRow>> FindSadRequest(const std::string& id);
  Result<std::vector<SadRequestRow>> ListPendingSadRequests(int64_t now);
  // false if the request was not pending (it ended already, or there is none).
  Result<bool> EndSadRequest(const std::string& id, const std::string& state,
                             const std::string& detail, int64_t now);

  // Audit: a hash-chained, MAC'd log of what the module allowed and refused (audit.h,
  // docs/keystore.md). AddSigner, AddActivationKey, GenerateKey and ImportCertificate record
  // themselves; the SAM records logins, SAD checks and signatures through Audit.
  // Appends one record in one transaction: safe from many threads and processes at once.
  // kArgumentsBad for an unknown outcome or a malformed event name; kTampered, appending
  // nothing, if the log's head fails its check (an attacker must not get a fresh valid head).
  // Synced (the default): durable before it returns. Lazy: committed, so every process sees it
  // and a process crash cannot lose it, but synced only with the next synced write (group commit
  // with other threads either way, signature_journal.h). Lazy is for records that decide nothing
  // by themselves: logins and refusals, not signatures or key management.
  enum class Durability { kSynced, kLazy };
  Status Audit(const AuditEvent& event, Durability durability = Durability::kSynced);
  // Walks every record in seq order, a page at a time, and reports every problem found.
  Result<AuditReport> VerifyAudit();
  // Records with seq > after_seq that match filter, ascending, one page (see AuditFilter).
  // Not checked: VerifyAudit is the check.
  Result<std::vector<AuditRecord>> ListAudit(const AuditFilter& filter, int64_t after_seq);
  // Records an operation's result (outcome ok, refused, or error for storage/tamper/internal
  // faults, with the refusal's message as detail). Returns result if it failed; else Ok, or the
  // append's failure if the record could not be written (the operation itself did happen).
  Status AuditResult(AuditEvent event, const Status& result,
                     Durability durability = Durability::kSynced);
  // A signature's records in one durable write, shared with other threads signing meanwhile:
  // the hash's spend (SpendHash's row) when given, and event, its "sign" record, as ok. If the
  // hash was spent already (by anyone) nothing is spent, the record says refused with
  // lost_detail, and the result is false: the signature must not leave the module. An error means
  // neither was written.
  Result<bool> RecordSignature(const std::optional<SpentHashRow>& spend, AuditEvent event,
                               const std::string& lost_detail,
                               Durability durability = Durability::kSynced);

  // Batch SADs (keystore_claims.cc). A SAD that binds several hashes is claimed whole by the
  // first process that signs under it: every hash of it still unspent is spent for this process
  // in one durable write, with a "sad-claim" record, and this process then signs them one at a
  // time with no synced write of their own; no other process can (for it they are spent). A
  // claimed hash not signed when the process ends is lost: its signer issues a new SAD. One
  // durable write thus marks a whole batch as in use, and a replay stays impossible after a
  // crash or a power loss.
  struct BatchHash {
    std::string kid, jti, signer;
    const std::vector<Bytes>* hashes = nullptr;  // every hash the SAD binds
    Bytes hash;                                  // the one to sign now
    Bytes key_id;
    int64_t sad_exp = 0;
  };
  // true: the hash is this process's and is now taken by this caller (no other thread of it
  // gets it). false: spent already, or claimed by another process.
  Result<bool> TakeBatchHash(const BatchHash& batch);
  // Whether this process may still sign that hash of that SAD: a hash of a batch this process
  // claimed while it is not signed yet; otherwise while it is not spent.
  Result<bool> HashSignable(const std::string& kid, const std::string& jti, const Bytes& hash);
  // Gives a taken hash back when its signature could not be made.
  void ReturnBatchHash(const std::string& kid, const std::string& jti, const Bytes& hash);

  // Lifecycle (keystore_lifecycle.cc, lifecycle.h). Each change is audited; reason, when
  // given, goes into the record. kNotFound for an unknown or destroyed key, kArgumentsBad for a
  // change that makes no sense (enabling a destroyed key).
  Status DisableKey(const Bytes& id, const std::string& reason);
  Status EnableKey(const Bytes& id, const std::string& reason);
  // Erases the wrapped key from the file (and deletes a pkcs11-backend key in its inner token);
  // the row stays as a tombstone so that the id is never reused. Cannot be undone.
  Status DestroyKey(const Bytes& id, const std::string& reason);
  Status DisableSigner(const std::string& name, const std::string& reason);
  Status EnableSigner(const std::string& name, const std::string& reason);
  // Refused while the signer has keys that are not destroyed, unless destroy_keys.
  Status RemoveSigner(const std::string& name, bool destroy_keys, const std::string& reason);
  // The signer rows, MACs checked, removed ones included (for `samp11 signer list`).
  Result<std::vector<SignerRow>> ListSignerRecords();
  // Reads the key's, its signer's and its certificates' rows afresh (another process may have
  // changed them) and checks their MACs: kTampered if one fails, kNotFound for no such key.
  Result<KeyUsability> KeyUsabilityAt(const Bytes& id, int64_t now, bool require_certificate);
  // Ok, or kKeyNotPermitted with the reason.
  Status CheckKeyUsable(const Bytes& id, int64_t now, bool require_certificate);

  // Master-key rotation (rotate_master_key.cc): re-wraps every key and re-MACs every row, the
  // audit log included, under the key new_master gives, in one transaction, with its own audit
  // record; this object then uses the new key, and the old one no longer opens the file. Refused,
  // with nothing changed, if the audit log does not verify or any row fails its check (a
  // rotation never launders a tampered row). Other processes still on the old key fail closed
  // (kConfig, "the master key was rotated") until restarted with the new one.
  Status RotateMasterKey(const MasterKeySource& new_master);

  // Backup and restore (keystore_backup.cc). Backup writes, at out_path (mode 0600, never over
  // an existing file), one image of the token taken at one instant by SQLite's online backup,
  // sealed under the backup key; audited. Restore (below) puts it back.
  struct BackupReport {
    BackupHeader header;
    size_t bytes = 0;
    std::string sha256_hex;  // of the file, also in the audit record
  };
  Result<BackupReport> Backup(const std::string& out_path);
  struct RestoreReport {
    BackupHeader header;
    std::string aside_path;      // the keystore's contents before the restore, or empty
    ReplaceCounts carried;       // from the live file into the restored one
    int64_t sad_not_before = 0;  // set when there was no readable live file (else 0)
  };
  // Restores backup_file into the token state at location under master (the master key the
  // backup was made under). Refused, with nothing changed: a file that is not a samp11 backup
  // (kArgumentsBad), a changed byte or another master key (kTampered), another token's backup
  // (kArgumentsBad), an image whose audit log does not verify (kTampered). A live state that
  // cannot be read is moved aside only with force. Without a readable live state to take spent
  // hashes from, SADs issued before the restore are refused from then on.
  static Result<RestoreReport> Restore(StateLocation& location, const MasterKeySource& master,
                                       const Bytes& backup_file, bool force,
                                       const Clock& clock = DefaultClock());
  // The time of the last restore (0: never): SADs issued (iat) before it are refused, since the
  // replay records of hashes spent after the backup may be lost. kTampered if its MAC fails.
  Result<int64_t> SadNotBefore();

  // PINs (keystore_pins.cc): a signer's PIN activates that signer's SCAL1 keys, never SCAL2 ones.
  // Sets or replaces the PIN (4..64 printable ASCII bytes, no ':') and clears its failures.
  Status SetSignerPin(const std::string& signer, std::string_view pin);
  // kLocked once max_tries wrong PINs came in a row (the PIN is then not even hashed); each try
  // is counted, durably, before the PIN is compared (in constant time). kTampered if the row's
  // MAC fails.
  Result<PinCheck> CheckSignerPin(const std::string& signer, std::string_view pin, int max_tries);
  Result<std::vector<std::string>> SignersWithPins();
  // The worst state over all signers' PINs, for the token's CKF_USER_PIN_* flags.
  Result<PinState> PinStatus(int max_tries);

  // Benchmarks only (keystore_bulk.cc, bench/): count SCAL2 file keys of type for owner, ids
  // id_prefix followed by the 8-byte big-endian counter first..first+count-1, inserted in one
  // transaction, wrapped and MAC'd as GenerateKey does; one audit record for the whole batch.
  Status BulkAddFileKeysForBenchmark(const std::string& owner, KeyType type, const Bytes& id_prefix,
                                     int64_t first, int64_t count);

 private:
  Keystore(std::unique_ptr<StateStore> state, DerivedKeys keys, std::string identity,
           std::string label, const Clock& clock);
  // Audit
  // kTampered if the log could not take a record now: checked before a key-management operation
  // so that nothing changes in a token whose log cannot record it.
  Status CheckAuditWritable();
  Status SetSignerPinUnaudited(const std::string& signer, std::string_view pin);
  // The record of an append, chained and MAC'd under audit_key onto tail (audit_keystore.cc).
  Result<AuditAppend> MakeAuditAppend(const SecureBytes& audit_key, const AuditRow& row,
                                      const AuditTail& tail) const;
  // The row an event becomes (event name and outcome checked; fields cut to their limits).
  Result<AuditRow> AuditRowFor(const AuditEvent& event) const;
  // A tampered-looking failure in a process whose master key was rotated away (meta master_check
  // no longer matches this process's) becomes kConfig saying so; anything else is returned as is.
  Status ExplainStaleKey(Status status);
  // The key of PIN hashes: derived from the first master key, carried over rotations wrapped in
  // meta pin_key (pin_hash.h).
  Status LoadPinKey();
  Status RotateUnaudited(const MasterKeySource& new_master);

  Result<KeyInfo> InfoFromRow(const KeyRow& row);
  // Lifecycle helpers (keystore_lifecycle.cc).
  Status FinishLifecycleMigration();           // fills MACs of rows from before schema 3, once
  Result<KeyRow> LiveKeyRow(const Bytes& id);  // status MAC checked; kNotFound when destroyed
  Result<SignerRow> CheckedSignerRow(const std::string& name);  // both MACs checked
  // What decides whether a live key may sign, every MAC checked: its row, its signer's row and
  // its certificates. Read twice per signature (C_SignInit, C_Sign), so kept while
  // StateStore::KeyStateVersion stays the same; any commit of another connection or process,
  // or any change of this one's outside the signing path, reads them afresh.
  struct KeyStateRows {
    KeyRow key;
    SignerRow signer;
    std::vector<CertRow> certs;
  };
  Result<KeyStateRows> CheckedKeyStateRows(const Bytes& id);
  Status SetKeyStatus(const Bytes& id, const char* status, const char* event,
                      const std::string& reason);
  Status SetSignerStatus(const std::string& name, const char* status, const char* event,
                         const std::string& reason);
  Status DestroyKeyUnaudited(const Bytes& id, std::string* owner);
  void ForgetCachedKey(const Bytes& id);
  Result<KeyBackend*> Backend(const std::string& name);  // "" is the default
  // The row for a new key, checked and named; GenerateKey and ImportKey fill in the key.
  Result<KeyRow> NewKeyRow(const std::string& owner, KeyType type, const std::string& label,
                           int scal, const Bytes& id,
                           const std::optional<ActivationLimits>& limits);
  // Wraps key.material into row, stores it (undoing the backend's key if the row is refused),
  // and caches the result.
  Result<UnwrappedKey> StoreNewKey(KeyRow& row, KeyBackend& backend, BackendKey key);
  void CacheKeyLocked(const UnwrappedKey& key);  // cache_mu_ held

  static constexpr size_t kMaxCachedKeys = 4096;

  std::unique_ptr<StateStore> state_;
  const Clock& clock_;                           // stamps records, rows and checks
  SignatureJournal journal_{state_->journal()};  // after state_, which it writes to
  DerivedKeys keys_;
  SecureBytes pin_key_;
  std::string master_check_hex_;  // meta master_check as this process's master key computes it
  std::string identity_;
  std::string label_;

  std::unordered_map<std::string, std::unique_ptr<KeyBackend>> backends_;
  std::string default_backend_ = key_backend::kFile;

  // Claimed batch SADs, by kid and jti: the hashes claimed and not signed yet (their expiry
  // lets finished or expired claims be dropped). claims_mu_ is held across a claim's write, so
  // two threads never claim the same SAD.
  struct BatchClaim {
    std::set<Bytes> unsigned_hashes;
    int64_t sad_exp = 0;
  };
  std::mutex claims_mu_;
  std::map<std::pair<std::string, std::string>, BatchClaim> claims_;

  static constexpr size_t kMaxCachedKeyStates = 4096;
  std::mutex key_state_mu_;
  StateVersion key_state_version_;
  std::map<Bytes, KeyStateRows> key_states_;  // read at key_state_version_

  std::mutex cache_mu_;
  std::unordered_map<std::string, ActivationKey> activation_cache_;
  std::unordered_map<int64_t, UnwrappedKey> key_cache_;
};

}  // namespace samp11
