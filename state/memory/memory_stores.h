// The in-memory implementation of each state interface (state/state_store.h), one class per
// interface, each in its own file (memory_<what>.cc), all sharing one MemoryConnection.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "state/memory/memory_connection.h"
#include "state/state_store.h"

namespace samp11 {

class MemoryMetaStore : public MetaStore {
 public:
  explicit MemoryMetaStore(MemoryConnection& c) : c_(c) {}
  Result<std::optional<std::string>> GetMeta(std::string_view name) override;
  Status InsertMeta(std::string_view name, std::string_view value) override;
  Status SetMeta(std::string_view name, std::string_view value) override;

 private:
  MemoryConnection& c_;
};

class MemorySignerStore : public SignerStore {
 public:
  explicit MemorySignerStore(MemoryConnection& c) : c_(c) {}
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
  MemoryConnection& c_;
};

class MemoryKeyStore : public KeyStore {
 public:
  explicit MemoryKeyStore(MemoryConnection& c) : c_(c) {}
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
  Status UpdateStatus(const KeyRow& row, bool destroy);

  MemoryConnection& c_;
};

class MemoryCertStore : public CertStore {
 public:
  explicit MemoryCertStore(MemoryConnection& c) : c_(c) {}
  Status InsertCert(CertRow& row) override;
  Result<std::optional<CertRow>> FindCertByHandle(int64_t handle) override;
  Result<std::vector<CertRow>> FindCertsByKeyId(const Bytes& key_id) override;
  Result<std::vector<CertRow>> FindCertsByLabel(std::string_view label, int64_t after,
                                                size_t limit) override;
  Result<std::vector<CertRow>> ListCerts(int64_t after, size_t limit) override;

 private:
  MemoryConnection& c_;
};

class MemoryReplayStore : public ReplayStore {
 public:
  explicit MemoryReplayStore(MemoryConnection& c) : c_(c) {}
  Result<bool> InsertSpentHash(const SpentHashRow& row) override;
  Result<bool> IsHashSpent(std::string_view kid, std::string_view jti, const Bytes& hash) override;
  Result<int64_t> PurgeSpentHashes(int64_t sad_exp_before) override;
  Result<int64_t> CountSpentHashes() override;

 private:
  MemoryConnection& c_;
};

class MemoryJournalStore : public JournalStore {
 public:
  explicit MemoryJournalStore(MemoryConnection& c) : c_(c) {}
  Result<std::vector<bool>> WriteJournal(const std::vector<Entry>& entries, bool synced) override;
  Result<std::vector<bool>> ClaimSpentHashes(
      const std::vector<SpentHashRow>& rows,
      const std::function<Result<AuditAppend>(const AuditTail& tail, size_t claimed)>& make_append)
      override;

 private:
  MemoryConnection& c_;
};

class MemoryDepositStore : public DepositStore {
 public:
  explicit MemoryDepositStore(MemoryConnection& c) : c_(c) {}
  Status InsertDeposit(const DepositRow& row) override;
  Result<std::vector<std::string>> FindDeposits(const Bytes& key_id, const Bytes& hash,
                                                int64_t min_exp, size_t limit) override;
  Result<int64_t> PurgeDeposits(int64_t sad_exp_before) override;

 private:
  MemoryConnection& c_;
};

class MemoryRequestStore : public RequestStore {
 public:
  explicit MemoryRequestStore(MemoryConnection& c) : c_(c) {}
  Status InsertSadRequest(const SadRequestRow& row) override;
  Result<std::optional<SadRequestRow>> FindSadRequest(std::string_view id) override;
  Result<std::vector<SadRequestRow>> ListPendingSadRequests(int64_t now, size_t limit) override;
  Result<bool> EndSadRequest(std::string_view id, std::string_view state, std::string_view detail,
                             int64_t now) override;

 private:
  MemoryConnection& c_;
};

class MemoryOtpStore : public OtpStore {
 public:
  explicit MemoryOtpStore(MemoryConnection& c) : c_(c) {}
  Status UpsertSignerOtp(const SignerOtpRow& row) override;
  Result<std::optional<SignerOtpRow>> FindSignerOtp(std::string_view name,
                                                    std::string_view kind) override;
  Result<bool> AdvanceOtpStep(std::string_view name, std::string_view kind, int64_t step) override;
  Result<bool> TakeOtpTry(std::string_view name, std::string_view kind, int64_t max_tries) override;
  Status ResetOtpFailures(std::string_view name, std::string_view kind) override;

 private:
  MemoryConnection& c_;
};

class MemoryPinStore : public PinStore {
 public:
  explicit MemoryPinStore(MemoryConnection& c) : c_(c) {}
  Status UpsertSignerPin(const SignerPinRow& row) override;
  Result<std::optional<SignerPinRow>> FindSignerPin(std::string_view name) override;
  Result<std::vector<SignerPinRow>> ListSignerPins() override;
  Result<bool> TakePinTry(std::string_view name, int64_t max_tries) override;
  Status ResetPinFailures(std::string_view name) override;

 private:
  MemoryConnection& c_;
};

class MemoryAuditStore : public AuditStore {
 public:
  explicit MemoryAuditStore(MemoryConnection& c) : c_(c) {}
  Result<AuditTail> GetAuditTail() override;
  // The rows are all there is: nothing else to check.
  Result<std::vector<std::string>> CheckStorage() override { return std::vector<std::string>{}; }
  Result<std::vector<AuditRow>> ListAuditRows(int64_t after_seq, size_t limit,
                                              const AuditRowFilter& filter) override;

 private:
  MemoryConnection& c_;
};

class MemoryMaintenanceStore : public MaintenanceStore {
 public:
  explicit MemoryMaintenanceStore(MemoryConnection& c) : c_(c) {}
  Result<StateVersion> KeyStateVersion() override;
  Result<int64_t> FillMissingLifecycleMacs(const LifecycleMacs& macs) override;
  int64_t MigratedFromSchema() const override { return 0; }  // one process's, never migrated
  Status Rekey(const RekeyPlan& plan) override;
  Result<StateImage> Snapshot() override;
  Result<StateContents> Contents() override;  // memory_contents.cc

 private:
  MemoryConnection& c_;
};

// Shared by the stores, lock held.

// The signing path's writes, undone together if a later step of the same write fails: the spent
// hashes they inserted, the audit rows they appended and the head from before them.
struct MemoryJournalUndo {
  std::vector<SpentHashKey> spent;
  std::vector<int64_t> audit_seqs;
  std::optional<std::optional<AuditHeadRow>> head_before;  // set at the first append
  void Undo(MemoryTables& tables) const;
};
// false, changing nothing, if that hash of that SAD is spent already (memory_replay.cc).
bool MemoryInsertSpentHash(MemoryTables& tables, const SpentHashRow& row,
                           MemoryJournalUndo* undo = nullptr);
// The row with the highest seq and the head (memory_audit.cc).
AuditTail MemoryAuditTail(const MemoryTables& tables);
// Reads the tail, calls make_append, inserts its row (kTampered if its seq is taken, as SQLite's
// primary key refuses it) and replaces the head; changes nothing on an error (memory_audit.cc).
Status MemoryAppendAudit(
    MemoryTables& tables,
    const std::function<Result<AuditAppend>(const AuditTail& tail)>& make_append,
    MemoryJournalUndo* undo = nullptr);
// Every authenticated value rewritten as plan says, in tables, which the caller throws away on an
// error (memory_rekey.cc).
Status MemoryRekey(MemoryTables& tables, const RekeyPlan& plan);

}  // namespace samp11
