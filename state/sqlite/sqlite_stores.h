// The SQLite implementation of each state interface (state/state_store.h), one class per
// interface, each in its own file (sqlite_<what>.cc), all sharing one connection.
#pragma once

#include <sqlite3.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "state/sqlite/sqlite_connection.h"
#include "state/state_store.h"

namespace samp11 {

class SqliteMetaStore : public MetaStore {
 public:
  explicit SqliteMetaStore(SqliteConnection& c) : c_(c) {}
  Result<std::optional<std::string>> GetMeta(std::string_view name) override;
  Status InsertMeta(std::string_view name, std::string_view value) override;
  Status SetMeta(std::string_view name, std::string_view value) override;

 private:
  SqliteConnection& c_;
};

class SqliteSignerStore : public SignerStore {
 public:
  explicit SqliteSignerStore(SqliteConnection& c) : c_(c) {}
  Status InsertSigner(const SignerRow& row) override;
  Result<std::optional<SignerRow>> FindSigner(std::string_view name) override;
  Result<std::vector<SignerRow>> ListSigners() override;
  Status UpdateSignerStatus(const SignerRow& row) override;
  Status RemoveSigner(const SignerRow& row) override;
  Status InsertActivationKey(const ActivationKeyRow& row) override;
  Result<std::optional<ActivationKeyRow>> FindActivationKey(std::string_view kid) override;
  Result<std::vector<ActivationKeyRow>> ListActivationKeys() override;
  Status UpdateActivationKeys(const std::vector<ActivationKeyRow>& rows) override;
  Status DeleteActivationKey(std::string_view kid) override;
  Status ReplaceActivationKeys(const std::vector<ActivationKeyRow>& inserted,
                               const std::vector<std::string>& deleted) override;
  Status InsertSignerSubject(const SignerSubjectRow& row) override;
  Result<std::optional<SignerSubjectRow>> FindSignerSubject(std::string_view issuer,
                                                            std::string_view subject) override;
  Result<std::vector<SignerSubjectRow>> ListSignerSubjects() override;
  Status DeleteSignerSubject(std::string_view issuer, std::string_view subject) override;

 private:
  SqliteConnection& c_;
};

class SqliteKeyStore : public KeyStore {
 public:
  explicit SqliteKeyStore(SqliteConnection& c) : c_(c) {}
  Status InsertKey(KeyRow& row) override;
  Status InsertKeys(std::vector<KeyRow>& rows) override;
  Result<std::optional<KeyRow>> FindKeyByHandle(int64_t handle) override;
  Result<std::optional<KeyRow>> FindKeyById(const Bytes& id) override;
  Result<std::vector<KeyRow>> FindKeysByLabel(std::string_view label, int64_t after,
                                              size_t limit) override;
  Result<std::vector<KeyRow>> ListKeys(int64_t after, size_t limit) override;
  Result<std::vector<KeyRow>> ListKeysByOwner(std::string_view owner, int64_t after,
                                              size_t limit) override;
  Status UpdateKeyStatus(const KeyRow& row) override;
  Status DestroyKey(const KeyRow& row) override;

 private:
  Status InsertLocked(KeyRow& row);  // inside the caller's write transaction
  // column is one of two fixed names, never caller input.
  Result<std::vector<KeyRow>> KeysWhere(const char* column, std::string_view value, int64_t after,
                                        size_t limit);
  Status UpdateStatus(const KeyRow& row, bool destroy);

  SqliteConnection& c_;
};

class SqliteCertStore : public CertStore {
 public:
  explicit SqliteCertStore(SqliteConnection& c) : c_(c) {}
  Status InsertCert(CertRow& row) override;
  Result<std::optional<CertRow>> FindCertByHandle(int64_t handle) override;
  Result<std::vector<CertRow>> FindCertsByKeyId(const Bytes& key_id) override;
  Result<std::vector<CertRow>> FindCertsByLabel(std::string_view label, int64_t after,
                                                size_t limit) override;
  Result<std::vector<CertRow>> ListCerts(int64_t after, size_t limit) override;

 private:
  SqliteConnection& c_;
};

class SqliteReplayStore : public ReplayStore {
 public:
  explicit SqliteReplayStore(SqliteConnection& c) : c_(c) {}
  Result<bool> InsertSpentHash(const SpentHashRow& row) override;
  Result<bool> IsHashSpent(std::string_view kid, std::string_view jti, const Bytes& hash) override;
  Result<int64_t> PurgeSpentHashes(int64_t sad_exp_before) override;
  Result<int64_t> CountSpentHashes() override;

 private:
  SqliteConnection& c_;
};

class SqliteJournalStore : public JournalStore {
 public:
  explicit SqliteJournalStore(SqliteConnection& c) : c_(c) {}
  Result<std::vector<bool>> WriteJournal(const std::vector<Entry>& entries, bool synced) override;
  Result<std::vector<bool>> ClaimSpentHashes(
      const std::vector<SpentHashRow>& rows,
      const std::function<Result<AuditAppend>(const AuditTail& tail, size_t claimed)>& make_append)
      override;

 private:
  SqliteConnection& c_;
};

class SqliteDepositStore : public DepositStore {
 public:
  explicit SqliteDepositStore(SqliteConnection& c) : c_(c) {}
  Status InsertDeposit(const DepositRow& row) override;
  Result<std::vector<std::string>> FindDeposits(const Bytes& key_id, const Bytes& hash,
                                                int64_t min_exp, size_t limit) override;
  Result<int64_t> PurgeDeposits(int64_t sad_exp_before) override;

 private:
  SqliteConnection& c_;
};

class SqliteRequestStore : public RequestStore {
 public:
  explicit SqliteRequestStore(SqliteConnection& c) : c_(c) {}
  Status InsertSadRequest(const SadRequestRow& row) override;
  Result<std::optional<SadRequestRow>> FindSadRequest(std::string_view id) override;
  Result<std::vector<SadRequestRow>> ListPendingSadRequests(int64_t now, size_t limit) override;
  Result<bool> EndSadRequest(std::string_view id, std::string_view state, std::string_view detail,
                             int64_t now) override;

 private:
  SqliteConnection& c_;
};

class SqliteOtpStore : public OtpStore {
 public:
  explicit SqliteOtpStore(SqliteConnection& c) : c_(c) {}
  Status UpsertSignerOtp(const SignerOtpRow& row) override;
  Result<std::optional<SignerOtpRow>> FindSignerOtp(std::string_view name,
                                                    std::string_view kind) override;
  Result<bool> AdvanceOtpStep(std::string_view name, std::string_view kind, int64_t step) override;
  Result<bool> TakeOtpTry(std::string_view name, std::string_view kind, int64_t max_tries) override;
  Status ResetOtpFailures(std::string_view name, std::string_view kind) override;

 private:
  SqliteConnection& c_;
};

class SqlitePinStore : public PinStore {
 public:
  explicit SqlitePinStore(SqliteConnection& c) : c_(c) {}
  Status UpsertSignerPin(const SignerPinRow& row) override;
  Result<std::optional<SignerPinRow>> FindSignerPin(std::string_view name) override;
  Result<std::vector<SignerPinRow>> ListSignerPins() override;
  Result<bool> TakePinTry(std::string_view name, int64_t max_tries) override;
  Status ResetPinFailures(std::string_view name) override;

 private:
  SqliteConnection& c_;
};

class SqliteAuditStore : public AuditStore {
 public:
  explicit SqliteAuditStore(SqliteConnection& c) : c_(c) {}
  Result<AuditTail> GetAuditTail() override;
  // The rows are all there is: nothing else to check.
  Result<std::vector<std::string>> CheckStorage() override { return std::vector<std::string>{}; }
  Result<std::vector<AuditRow>> ListAuditRows(int64_t after_seq, size_t limit,
                                              const AuditRowFilter& filter) override;

 private:
  SqliteConnection& c_;
};

class SqliteMaintenanceStore : public MaintenanceStore {
 public:
  SqliteMaintenanceStore(SqliteConnection& c, std::string path, int64_t migrated_from = 0)
      : c_(c), path_(std::move(path)), migrated_from_(migrated_from) {}
  Result<StateVersion> KeyStateVersion() override;
  Result<int64_t> FillMissingLifecycleMacs(const LifecycleMacs& macs) override;
  int64_t MigratedFromSchema() const override { return migrated_from_; }
  Status Rekey(const RekeyPlan& plan) override;
  Result<StateImage> Snapshot() override;
  Result<StateContents> Contents() override;  // sqlite_contents.cc

 private:
  SqliteConnection& c_;
  std::string path_;
  int64_t migrated_from_;
};

// Shared by the stores, each inside the caller's write transaction, lock held.
// false if that hash of that SAD is spent already (sqlite_replay.cc).
Result<bool> SqliteInsertSpentHash(sqlite3* db, const SpentHashRow& row);
// Reads the tail, calls make_append, inserts its row and replaces the head (sqlite_audit.cc).
Status SqliteAppendAuditInTransaction(
    sqlite3* db, const std::function<Result<AuditAppend>(const AuditTail& tail)>& make_append);
// The tail; the caller holds a transaction, so the two reads see one state (sqlite_audit.cc).
Result<AuditTail> SqliteReadAuditTail(sqlite3* db);
// Every authenticated value rewritten as plan says (sqlite_rekey.cc).
Status SqliteRekey(sqlite3* db, const RekeyPlan& plan);
// Checkpoints the WAL into the file and truncates it, so that no copy of a page from before a
// secure delete is left in the WAL. kStorage if readers in other processes held it up
// (sqlite_keys.cc). Outside any transaction.
Status SqliteEraseFreedPages(sqlite3* db);

}  // namespace samp11
