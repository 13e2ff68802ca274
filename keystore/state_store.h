// The durable state of one token, as rows, behind one narrow interface. The SQLite file is the
// embedded default (sqlite_state_store.cc); a PostgreSQL implementation shared by several signing
// nodes is planned behind the same interface. Rows here are not trusted: keystore.h authenticates
// them (MACs, AES-GCM associated data) before anything acts on them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"

namespace samp11 {

// Lifecycle (keystore/lifecycle.h): a signer or key row carries its status, the time it last
// changed, and status_mac, an HMAC over them (aad.h), separate from the row's own MAC or
// wrapping so that a status change rewrites three columns and nothing else.
struct SignerRow {
  std::string name;
  int64_t created = 0;
  Bytes mac;
  std::string status = "enabled";  // enabled, disabled, removed
  int64_t status_changed = 0;
  Bytes status_mac;  // empty only in a file not yet migrated to schema 3
};

// PINs: a signer's PIN (pin_hash.h). mac covers (name, salt, hash); failures is a plain counter,
// changed only by single SQL statements so that concurrent checks, in any process, all count.
struct SignerPinRow {
  std::string name;
  Bytes salt;
  Bytes hash;
  int64_t failures = 0;
  Bytes mac;
};

struct ActivationKeyRow {
  std::string kid;
  std::string role;   // "device" or "authorization-server"
  std::string owner;  // signer name (device) or issuer name (authorization server)
  std::string alg;    // "ES256", "ES384", "EdDSA"
  Bytes public_spki;
  int64_t created = 0;
  Bytes mac;
};

struct KeyRow {
  int64_t handle = 0;  // assigned by the store, > 0, never reused
  Bytes id;            // CKA_ID, unique
  std::string label;
  std::string key_type;  // KeyTypeName()
  std::string owner;     // signer name, for life
  int scal = 2;
  std::string policy_json;
  Bytes public_spki;
  Bytes wrapped_private;             // AES-256-GCM, see keystore.cc for the associated data
  std::string backend = "file";      // where the private half lives (key_backend.h)
  std::string origin = "generated";  // key_origin:: how the key came to samp11
  int64_t created = 0;
  std::string status = "enabled";  // enabled, disabled, destroyed (wrapped_private then empty)
  int64_t status_changed = 0;
  bool certified = false;  // a certificate was imported: from then on one must be valid to sign
  Bytes status_mac;
};

struct CertRow {
  int64_t handle = 0;
  Bytes key_id;  // CKA_ID of the key it certifies
  std::string label;
  Bytes der;
  Bytes subject_der;
  Bytes issuer_der;
  Bytes serial_der;
  std::string subject_text;
  int64_t not_before = 0;
  int64_t not_after = 0;
  int64_t created = 0;
  Bytes mac;  // HMAC over key_id, der, validity and created (aad.h)
};

// One bound hash of one SAD, spent. (kid, jti, hash) is unique: the SAD issuer's key scopes its
// jti namespace.
struct SpentHashRow {
  std::string kid;
  std::string jti;
  Bytes hash;
  Bytes key_id;
  int64_t sad_exp = 0;  // after exp + skew the SAD is refused anyway; the row may then be purged
  int64_t spent_at = 0;
};

// A SAD deposited ahead of the signature it activates, indexed by every hash it binds.
struct DepositRow {
  std::string kid;
  std::string jti;
  Bytes key_id;
  std::string sad;  // the whole JWS: it is verified again when used, so the row needs no MAC
  std::vector<Bytes> hashes;
  int64_t sad_exp = 0;
  int64_t deposited_at = 0;
};

// A request for a SAD waiting for the signer's device, recorded for the deposit SAD provider
// (sam/deposit_provider.cc): `samp11 sad requests` lists the pending ones, an approval service
// answers with a deposit or a refusal. Not authenticated: a row grants nothing (only a SAD does,
// verified when it comes), and a forged refusal only refuses.
struct SadRequestRow {
  std::string id;
  int64_t created = 0;
  int64_t expires = 0;
  std::string signer;
  Bytes key_id;
  std::string request_json;       // the request as a device reads it (sad/request.h)
  std::string state = "pending";  // pending, answered, refused, timed-out, cancelled
  std::string detail;             // a refusal's reason, as the device gave it
  int64_t updated = 0;
};

// Audit: one record of the audit log as stored. The store only keeps rows and runs the append
// transaction; the chain and MACs are computed and checked by the keystore (audit_keystore.cc).
struct AuditRow {
  int64_t seq = 0;  // consecutive from 1
  int64_t at = 0;
  int64_t pid = 0;
  std::string event;
  std::string outcome;
  std::string signer;
  Bytes key_id;
  std::string kid;
  std::string jti;
  std::string detail;
  Bytes chain;
  Bytes mac;
};

// The log's last seq and chain, rewritten with every append.
struct AuditHeadRow {
  int64_t seq = 0;
  Bytes chain;
  Bytes mac;
};

// What an append continues from, read inside its transaction: the row with the highest seq and
// the head, each absent on an empty log.
struct AuditTail {
  std::optional<AuditRow> last_row;
  std::optional<AuditHeadRow> head;
};

struct AuditAppend {
  AuditRow row;
  AuditHeadRow head;
};

// Empty or zero fields do not filter. since and until are inclusive; max_seq bounds seq.
struct AuditRowFilter {
  std::string signer;
  Bytes key_id;
  int64_t since = 0;
  int64_t until = 0;
  std::string event;
  int64_t max_seq = 0;
};

// Master-key rotation (sqlite_rekey.cc): every authenticated value of the token rewritten in one
// write transaction, so that an interruption leaves the old state or the new one. Each callback
// checks a row under the old keys and rewrites its MACs (and a key row's wrapping) under the new
// ones; an error from any of them rolls everything back.
struct RekeyPlan {
  std::function<Status(SignerRow&)> signer;                 // mac, status_mac
  std::function<Status(ActivationKeyRow&)> activation_key;  // mac
  std::function<Status(KeyRow&)> key;                       // wrapped_private, status_mac
  std::function<Status(CertRow&)> cert;                     // mac
  std::function<Status(SignerPinRow&)> pin;                 // mac
  std::function<Status(AuditRow&)> audit_row;               // mac
  std::function<Status(AuditHeadRow&)> audit_head;          // mac
  // Meta rows to set, or to delete when the value is empty.
  std::vector<std::pair<std::string, std::optional<std::string>>> meta;
  // The rotation's own audit record, made under the new keys from the rewritten tail.
  std::function<Result<AuditAppend>(const AuditTail& tail)> append;
};

// What KeyStateVersion answers: equal versions mean no row of keys, signers or certificates can
// have changed between them.
struct StateVersion {
  int64_t others = 0;  // PRAGMA data_version: moves when another connection commits anything
  int64_t own = 0;     // this connection's changed rows, the signing path's own rows aside
  bool operator==(const StateVersion& o) const { return others == o.others && own == o.own; }
  bool operator!=(const StateVersion& o) const { return !(*this == o); }
};

class StateStore {
 public:
  virtual ~StateStore() = default;

  // Moves whenever the keys, signers or certificates may have changed: another connection (of
  // this or another process) committed anything, or this one changed any row but those the
  // signing path writes (WriteJournal, ClaimSpentHashes, AppendAudit). Read it before reading
  // the rows it vouches for.
  virtual Result<StateVersion> KeyStateVersion() = 0;

  virtual Result<std::optional<std::string>> GetMeta(std::string_view name) = 0;
  // Writes once: kAlreadyExists if the name is taken.
  virtual Status InsertMeta(std::string_view name, std::string_view value) = 0;
  // Inserts or replaces.
  virtual Status SetMeta(std::string_view name, std::string_view value) = 0;

  virtual Status InsertSigner(const SignerRow& row) = 0;  // kAlreadyExists
  virtual Result<std::optional<SignerRow>> FindSigner(std::string_view name) = 0;
  virtual Result<std::vector<SignerRow>> ListSigners() = 0;

  virtual Status InsertActivationKey(const ActivationKeyRow& row) = 0;  // kAlreadyExists
  virtual Result<std::optional<ActivationKeyRow>> FindActivationKey(std::string_view kid) = 0;
  virtual Result<std::vector<ActivationKeyRow>> ListActivationKeys() = 0;

  // Fills row.handle. kAlreadyExists if the id is taken.
  virtual Status InsertKey(KeyRow& row) = 0;
  virtual Result<std::optional<KeyRow>> FindKeyByHandle(int64_t handle) = 0;
  virtual Result<std::optional<KeyRow>> FindKeyById(const Bytes& id) = 0;
  // Indexed lookups and paging (handle > after, ascending, at most limit rows): the token is
  // designed for a million keys, so nothing loads all of them.
  virtual Result<std::vector<KeyRow>> FindKeysByLabel(std::string_view label, int64_t after,
                                                      size_t limit) = 0;
  virtual Result<std::vector<KeyRow>> ListKeys(int64_t after, size_t limit) = 0;
  virtual Result<std::vector<KeyRow>> ListKeysByOwner(std::string_view owner, int64_t after,
                                                      size_t limit) = 0;
  // FindKeysByLabel, ListKeys and ListKeysByOwner skip destroyed keys; the two Find by handle
  // and id return them (an id is never reused).

  // Lifecycle (sqlite_lifecycle.cc). Each is one durable transaction.
  // Writes a key's status, status_changed, certified and status_mac; kNotFound if no such id.
  virtual Status UpdateKeyStatus(const KeyRow& row) = 0;
  // The same, and empties wrapped_private, so the wrapped key is gone from the file: the
  // connection runs with secure_delete, and the WAL is checkpointed and truncated afterwards.
  // A checkpoint that other readers hold up is reported as kStorage after the status is written.
  virtual Status DestroyKey(const KeyRow& row) = 0;
  virtual Status UpdateSignerStatus(const SignerRow& row) = 0;  // kNotFound if no such signer
  // Marks the signer removed (row) and deletes its device keys and PIN. Its keys must all be
  // destroyed already (kArgumentsBad otherwise): their rows keep the name, so it is not reused.
  virtual Status RemoveSigner(const SignerRow& row) = 0;
  // Fills the status and certificate MACs of rows written before schema 3, in one transaction.
  // Each callback computes a row's MAC; nothing is written if one fails.
  struct LifecycleMacs {
    std::function<Result<Bytes>(const KeyRow&)> key;
    std::function<Result<Bytes>(const SignerRow&)> signer;
    std::function<Result<Bytes>(const CertRow&)> cert;
  };
  virtual Result<int64_t> FillMissingLifecycleMacs(const LifecycleMacs& macs) = 0;

  virtual Status InsertCert(CertRow& row) = 0;  // fills row.handle
  virtual Result<std::optional<CertRow>> FindCertByHandle(int64_t handle) = 0;
  virtual Result<std::vector<CertRow>> FindCertsByKeyId(const Bytes& key_id) = 0;
  virtual Result<std::vector<CertRow>> FindCertsByLabel(std::string_view label, int64_t after,
                                                        size_t limit) = 0;
  virtual Result<std::vector<CertRow>> ListCerts(int64_t after, size_t limit) = 0;

  // Durable (synced) before it returns true. Returns false, and changes nothing, if that hash of
  // that SAD was already spent, by this or any other process.
  virtual Result<bool> InsertSpentHash(const SpentHashRow& row) = 0;
  virtual Result<bool> IsHashSpent(std::string_view kid, std::string_view jti,
                                   const Bytes& hash) = 0;
  // Removes rows whose SAD expired before the given time; returns how many.
  virtual Result<int64_t> PurgeSpentHashes(int64_t sad_exp_before) = 0;

  // Deposits. kAlreadyExists if a SAD with that (kid, jti) is already deposited: a second
  // deposit never displaces the first.
  virtual Status InsertDeposit(const DepositRow& row) = 0;
  // The SAD texts deposited for this key that bind this hash and expire at or after min_exp,
  // newest first, at most limit.
  virtual Result<std::vector<std::string>> FindDeposits(const Bytes& key_id, const Bytes& hash,
                                                        int64_t min_exp, size_t limit) = 0;
  virtual Result<int64_t> PurgeDeposits(int64_t sad_exp_before) = 0;

  // Activation requests (sqlite_requests.cc). kAlreadyExists for an id already there; rows that
  // ended more than an hour ago are purged by the insert.
  virtual Status InsertSadRequest(const SadRequestRow& row) = 0;
  virtual Result<std::optional<SadRequestRow>> FindSadRequest(std::string_view id) = 0;
  // Pending requests not yet expired at now, oldest first, at most limit.
  virtual Result<std::vector<SadRequestRow>> ListPendingSadRequests(int64_t now, size_t limit) = 0;
  // Ends a pending request (state and detail); false, changing nothing, if it is not pending.
  virtual Result<bool> EndSadRequest(std::string_view id, std::string_view state,
                                     std::string_view detail, int64_t now) = 0;

  // The journal (signature_journal.h): entries written in order in one write transaction, each
  // an optional spent hash and the audit record that says what came of it. make_append gets the
  // tail and whether the entry's spend won (true when it has none); a lost spend changes nothing
  // else, so its record can say so. synced: durable (the WAL synced) before this returns; else
  // committed, visible to every process and safe from a process crash, and made durable by the
  // next synced commit. Returns, per entry, whether its spend won; fails as a whole.
  struct JournalEntry {
    std::optional<SpentHashRow> spend;
    std::function<Result<AuditAppend>(const AuditTail& tail, bool spend_won)> make_append;
  };
  virtual Result<std::vector<bool>> WriteJournal(const std::vector<JournalEntry>& entries,
                                                 bool synced) = 0;

  // Spends every row that is not spent yet and appends make_append's record (told how many were
  // spent), in one synced transaction. Returns, per row, whether this call spent it.
  virtual Result<std::vector<bool>> ClaimSpentHashes(
      const std::vector<SpentHashRow>& rows,
      const std::function<Result<AuditAppend>(const AuditTail& tail, size_t claimed)>&
          make_append) = 0;

  // Audit. AppendAudit runs one write transaction (BEGIN IMMEDIATE): reads the tail, calls
  // make_append, inserts its row and replaces the head, commits. Appends from any thread or
  // process are serialised, so seq stays consecutive. make_append must not call the store.
  virtual Status AppendAudit(
      const std::function<Result<AuditAppend>(const AuditTail& tail)>& make_append) = 0;
  // The tail as one consistent snapshot (one read transaction).
  virtual Result<AuditTail> GetAuditTail() = 0;
  // Rows with seq > after_seq matching the filter, ascending by seq, at most limit.
  virtual Result<std::vector<AuditRow>> ListAuditRows(int64_t after_seq, size_t limit,
                                                      const AuditRowFilter& filter) = 0;

  // Runs plan (above) in one write transaction; rows are visited a page at a time.
  virtual Status Rekey(const RekeyPlan& plan) = 0;

  // PINs. Upsert sets a signer's PIN with failures = 0; kNotFound if the signer is not enrolled.
  virtual Status UpsertSignerPin(const SignerPinRow& row) = 0;
  virtual Result<std::optional<SignerPinRow>> FindSignerPin(std::string_view name) = 0;
  virtual Result<std::vector<SignerPinRow>> ListSignerPins() = 0;
  // Takes one try before a PIN is checked: failures + 1, in one durable UPDATE, only while
  // failures < max_tries. false (nothing changed): locked, or no PIN.
  virtual Result<bool> TakePinTry(std::string_view name, int64_t max_tries) = 0;
  // After a correct PIN: failures = 0.
  virtual Status ResetPinFailures(std::string_view name) = 0;
};

// Opens (create=false) or creates (create=true; kAlreadyExists if the file exists) a token file.
// WAL journal, synchronous=FULL, a busy timeout: several processes can use one file at once.
Result<std::unique_ptr<StateStore>> OpenSqliteStateStore(const std::string& path, bool create);

}  // namespace samp11
