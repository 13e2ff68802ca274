// The PostgreSQL implementation of each state interface (state/state_store.h), one class per
// interface, each in its own file (pg_<what>.cc), all sharing one connection: the shape of
// state/sqlite/sqlite_stores.h. Every method holds the connection's lock for its whole sequence
// of statements; a multi-row write is one transaction.
//
// The audit log is this node's chain (PgNodeContext::node): its tail, its rows, its head. Nodes
// never wait for one another to append; `samp11 audit verify` over the database checks each.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "state/postgres/pg_connection.h"
#include "state/postgres/pg_replay.h"
#include "state/state_store.h"

namespace samp11 {

// Which node's chain this store appends to and reads.
struct PgNodeContext {
  std::string node;
};

class PgMetaStore : public MetaStore {
 public:
  explicit PgMetaStore(PgConnection& c) : c_(c) {}
  Result<std::optional<std::string>> GetMeta(std::string_view name) override;
  Status InsertMeta(std::string_view name, std::string_view value) override;
  Status SetMeta(std::string_view name, std::string_view value) override;

 private:
  PgConnection& c_;
};

class PgSignerStore : public SignerStore {
 public:
  explicit PgSignerStore(PgConnection& c) : c_(c) {}
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
  PgConnection& c_;
};

class PgKeyStore : public KeyStore {
 public:
  explicit PgKeyStore(PgConnection& c) : c_(c) {}
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
  PgConnection& c_;
};

class PgCertStore : public CertStore {
 public:
  explicit PgCertStore(PgConnection& c) : c_(c) {}
  Status InsertCert(CertRow& row) override;
  Result<std::optional<CertRow>> FindCertByHandle(int64_t handle) override;
  Result<std::vector<CertRow>> FindCertsByKeyId(const Bytes& key_id) override;
  Result<std::vector<CertRow>> FindCertsByLabel(std::string_view label, int64_t after,
                                                size_t limit) override;
  Result<std::vector<CertRow>> ListCerts(int64_t after, size_t limit) override;

 private:
  PgConnection& c_;
};

class PgJournalStore : public JournalStore {
 public:
  PgJournalStore(PgConnection& c, const PgNodeContext& node) : c_(c), node_(node) {}
  Result<std::vector<bool>> WriteJournal(const std::vector<Entry>& entries, bool synced) override;
  Result<std::vector<bool>> ClaimSpentHashes(
      const std::vector<SpentHashRow>& rows,
      const std::function<Result<AuditAppend>(const AuditTail& tail, size_t claimed)>& make_append)
      override;

 private:
  PgConnection& c_;
  const PgNodeContext& node_;
};

class PgDepositStore : public DepositStore {
 public:
  explicit PgDepositStore(PgConnection& c) : c_(c) {}
  Status InsertDeposit(const DepositRow& row) override;
  Result<std::vector<std::string>> FindDeposits(const Bytes& key_id, const Bytes& hash,
                                                int64_t min_exp, size_t limit) override;
  Result<int64_t> PurgeDeposits(int64_t sad_exp_before) override;

 private:
  PgConnection& c_;
};

class PgRequestStore : public RequestStore {
 public:
  explicit PgRequestStore(PgConnection& c) : c_(c) {}
  Status InsertSadRequest(const SadRequestRow& row) override;
  Result<std::optional<SadRequestRow>> FindSadRequest(std::string_view id) override;
  Result<std::vector<SadRequestRow>> ListPendingSadRequests(int64_t now, size_t limit) override;
  Result<bool> EndSadRequest(std::string_view id, std::string_view state, std::string_view detail,
                             int64_t now) override;

 private:
  PgConnection& c_;
};

class PgOtpStore : public OtpStore {
 public:
  explicit PgOtpStore(PgConnection& c) : c_(c) {}
  Status UpsertSignerOtp(const SignerOtpRow& row) override;
  Result<std::optional<SignerOtpRow>> FindSignerOtp(std::string_view name,
                                                    std::string_view kind) override;
  Result<bool> AdvanceOtpStep(std::string_view name, std::string_view kind, int64_t step) override;
  Result<bool> TakeOtpTry(std::string_view name, std::string_view kind, int64_t max_tries) override;
  Status ResetOtpFailures(std::string_view name, std::string_view kind) override;

 private:
  PgConnection& c_;
};

class PgPinStore : public PinStore {
 public:
  explicit PgPinStore(PgConnection& c) : c_(c) {}
  Status UpsertSignerPin(const SignerPinRow& row) override;
  Result<std::optional<SignerPinRow>> FindSignerPin(std::string_view name) override;
  Result<std::vector<SignerPinRow>> ListSignerPins() override;
  Result<bool> TakePinTry(std::string_view name, int64_t max_tries) override;
  Status ResetPinFailures(std::string_view name) override;

 private:
  PgConnection& c_;
};

class PgAuditStore : public AuditStore {
 public:
  PgAuditStore(PgConnection& c, const PgNodeContext& node) : c_(c), node_(node) {}
  Result<AuditTail> GetAuditTail() override;
  // The rows are all there is: nothing else to check.
  Result<std::vector<std::string>> CheckStorage() override { return std::vector<std::string>{}; }
  Result<std::vector<AuditRow>> ListAuditRows(int64_t after_seq, size_t limit,
                                              const AuditRowFilter& filter) override;
  std::string ChainName() const override { return node_.node; }
  Result<std::vector<std::string>> ListChainNames() override;

 private:
  PgConnection& c_;
  const PgNodeContext& node_;
};

class PgMaintenanceStore : public MaintenanceStore {
 public:
  PgMaintenanceStore(PgConnection& c, const PgNodeContext& node) : c_(c), node_(node) {}
  Result<StateVersion> KeyStateVersion() override;
  Result<int64_t> FillMissingLifecycleMacs(const LifecycleMacs& macs) override;
  // No PostgreSQL state predates the status MACs.
  int64_t MigratedFromSchema() const override { return 0; }
  Status Rekey(const RekeyPlan& plan) override;
  Result<StateImage> Snapshot() override;
  Result<StateContents> Contents() override;  // pg_contents.cc

 private:
  PgConnection& c_;
  const PgNodeContext& node_;
};

// Shared by the stores, each inside the caller's transaction, lock held.
// false if that hash of that SAD is spent already (pg_replay.cc).
Result<bool> PgInsertSpentHash(PgConnection& c, const SpentHashRow& row);
// Several spends in one transaction, inserted in (kid, jti, hash) order whatever the order of
// rows: two transactions that spend some of the same hashes then wait for one another, never
// each for a row the other inserted (a deadlock, which PostgreSQL breaks by failing one). Per row
// of rows, in its order: whether it won; of two rows for one hash, the first (pg_replay.cc).
// A null row spends nothing and is reported as won.
Result<std::vector<bool>> PgInsertSpentHashes(PgConnection& c,
                                              const std::vector<const SpentHashRow*>& rows);
// This node's tail; the caller holds a transaction (pg_audit.cc). for_update: the node's head row
// locked until the transaction ends, so that two appends of one node never take the same seq.
Result<AuditTail> PgReadAuditTail(PgConnection& c, const PgNodeContext& node, bool for_update);
// Reads the tail, calls make_append, inserts its row and replaces the head (pg_audit.cc).
Status PgAppendAuditInTransaction(
    PgConnection& c, const PgNodeContext& node,
    const std::function<Result<AuditAppend>(const AuditTail& tail)>& make_append);

}  // namespace samp11
