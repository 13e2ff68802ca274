// The journaled state (journaled_state.h): the journal, replay and audit interfaces served
// through the journal; maintenance that reads or rewrites the whole log folds it first; the rest
// straight from the state beneath.
#include "state/journal/journaled_state.h"

#include "state/journal/file_journal.h"

namespace samp11 {
namespace {

class JournalFront : public JournalStore {
 public:
  explicit JournalFront(FileJournal& journal) : journal_(journal) {}
  Result<std::vector<bool>> WriteJournal(const std::vector<Entry>& entries, bool synced) override {
    return journal_.Write(entries, synced);
  }
  bool GroupsSyncsItself() const override { return true; }  // FileJournal::SyncUpTo
  Result<std::vector<bool>> ClaimSpentHashes(
      const std::vector<SpentHashRow>& rows,
      const std::function<Result<AuditAppend>(const AuditTail& tail, size_t claimed)>& make_append)
      override {
    return journal_.Claim(rows, make_append);
  }

 private:
  FileJournal& journal_;
};

class ReplayFront : public ReplayStore {
 public:
  ReplayFront(FileJournal& journal, ReplayStore& inner) : journal_(journal), inner_(inner) {}
  Result<bool> InsertSpentHash(const SpentHashRow& row) override {
    return journal_.InsertSpentHash(row);
  }
  Result<bool> IsHashSpent(std::string_view kid, std::string_view jti, const Bytes& hash) override {
    return journal_.IsHashSpent(kid, jti, hash);
  }
  Result<int64_t> PurgeSpentHashes(int64_t sad_exp_before) override {
    SAMP11_RETURN_IF_ERROR(journal_.FoldAll());
    return inner_.PurgeSpentHashes(sad_exp_before);
  }
  // Folded first, as a purge is: then the state beneath holds every spend once.
  Result<int64_t> CountSpentHashes() override {
    SAMP11_RETURN_IF_ERROR(journal_.FoldAll());
    return inner_.CountSpentHashes();
  }

 private:
  FileJournal& journal_;
  ReplayStore& inner_;
};

// Reading the log (verify, show, a key-management write's check) folds the journal first, so
// that the log read is whole. A damaged journal leaves what the file holds readable (verify
// walks it) and is named by CheckStorage.
class AuditFront : public AuditStore {
 public:
  AuditFront(FileJournal& journal, AuditStore& inner) : journal_(journal), inner_(inner) {}
  Result<AuditTail> GetAuditTail() override {
    SAMP11_RETURN_IF_ERROR(FoldUnlessDamaged());
    return inner_.GetAuditTail();
  }
  Result<std::vector<AuditRow>> ListAuditRows(int64_t after_seq, size_t limit,
                                              const AuditRowFilter& filter) override {
    SAMP11_RETURN_IF_ERROR(FoldUnlessDamaged());
    return inner_.ListAuditRows(after_seq, limit, filter);
  }
  Result<std::vector<std::string>> CheckStorage() override {
    Status folded = journal_.FoldAll();
    if (folded.ok()) return std::vector<std::string>{};
    if (folded.code() != Code::kTampered) return folded;
    return std::vector<std::string>{folded.message()};
  }

 private:
  Status FoldUnlessDamaged() {
    Status folded = journal_.FoldAll();
    return folded.code() == Code::kTampered ? Status::Ok() : folded;
  }

  FileJournal& journal_;
  AuditStore& inner_;
};

class MaintenanceFront : public MaintenanceStore {
 public:
  MaintenanceFront(FileJournal& journal, MaintenanceStore& inner)
      : journal_(journal), inner_(inner) {}
  Result<StateVersion> KeyStateVersion() override { return inner_.KeyStateVersion(); }
  Result<int64_t> FillMissingLifecycleMacs(const LifecycleMacs& macs) override {
    return inner_.FillMissingLifecycleMacs(macs);
  }
  int64_t MigratedFromSchema() const override { return inner_.MigratedFromSchema(); }
  // The journal's records are MAC'd under the old audit key: folded before the rotation
  // rewrites the log, with every append waiting until it is done.
  Status Rekey(const RekeyPlan& plan) override {
    return journal_.FoldAllThen([&] { return inner_.Rekey(plan); }, /*rewrites_log=*/true);
  }
  Result<StateImage> Snapshot() override {
    Result<StateImage> image = Status(Code::kInternal, "no snapshot taken");
    SAMP11_RETURN_IF_ERROR(journal_.FoldAllThen([&] {
      image = inner_.Snapshot();
      return image.status();
    }));
    return image;
  }
  // The spends and records still in the journal are part of the contents: folded first.
  Result<StateContents> Contents() override {
    Result<StateContents> contents = Status(Code::kInternal, "no contents read");
    SAMP11_RETURN_IF_ERROR(journal_.FoldAllThen([&] {
      contents = inner_.Contents();
      return contents.status();
    }));
    return contents;
  }

 private:
  FileJournal& journal_;
  MaintenanceStore& inner_;
};

class JournaledStore : public StateStore {
 public:
  JournaledStore(std::unique_ptr<StateStore> inner, std::unique_ptr<FileJournal> journal)
      : inner_(std::move(inner)),
        journal_(std::move(journal)),
        journal_front_(*journal_),
        replay_front_(*journal_, inner_->replay()),
        audit_front_(*journal_, inner_->audit()),
        maintenance_front_(*journal_, inner_->maintenance()) {}

  MetaStore& meta() override { return inner_->meta(); }
  SignerStore& signers() override { return inner_->signers(); }
  KeyStore& keys() override { return inner_->keys(); }
  CertStore& certs() override { return inner_->certs(); }
  ReplayStore& replay() override { return replay_front_; }
  JournalStore& journal() override { return journal_front_; }
  DepositStore& deposits() override { return inner_->deposits(); }
  RequestStore& requests() override { return inner_->requests(); }
  PinStore& pins() override { return inner_->pins(); }
  OtpStore& otp() override { return inner_->otp(); }
  AuditStore& audit() override { return audit_front_; }
  MaintenanceStore& maintenance() override { return maintenance_front_; }

 private:
  // Declared first, destroyed last: the journal folds into it when it closes.
  std::unique_ptr<StateStore> inner_;
  std::unique_ptr<FileJournal> journal_;
  JournalFront journal_front_;
  ReplayFront replay_front_;
  AuditFront audit_front_;
  MaintenanceFront maintenance_front_;
};

Result<std::unique_ptr<StateStore>> WithJournal(std::unique_ptr<StateStore> inner,
                                                std::unique_ptr<StateStore> fold_into,
                                                const std::string& token_path,
                                                int64_t segment_bytes) {
  SAMP11_ASSIGN_OR_RETURN(
      std::unique_ptr<FileJournal> journal,
      FileJournal::Open(token_path, *inner, segment_bytes, std::move(fold_into)));
  return std::unique_ptr<StateStore>(
      std::make_unique<JournaledStore>(std::move(inner), std::move(journal)));
}

class JournaledLocation : public StateLocation {
 public:
  JournaledLocation(std::unique_ptr<StateLocation> inner, std::string token_path,
                    int64_t segment_bytes)
      : inner_(std::move(inner)),
        token_path_(std::move(token_path)),
        segment_bytes_(segment_bytes > 0 ? segment_bytes : FileJournal::kDefaultSegmentBytes) {}

  const std::string& name() const override { return inner_->name(); }
  bool Exists() override { return inner_->Exists(); }

  Result<std::unique_ptr<StateStore>> Create() override {
    // A journal left beside a token file that is gone is not this new token's.
    if (!inner_->Exists()) SAMP11_RETURN_IF_ERROR(FileJournal::RemoveLeftovers(token_path_));
    SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> store, inner_->Create());
    SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> fold_into, inner_->Open());
    return WithJournal(std::move(store), std::move(fold_into), token_path_, segment_bytes_);
  }
  // Two stores on the state: the journal folds through the second one, so that the signing
  // path's reads never queue behind a fold's transaction on the first one's connection (with
  // one connection, a SCAL1 signer waited there about 14 % of its time: docs/performance.md).
  Result<std::unique_ptr<StateStore>> Open() override {
    SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> store, inner_->Open());
    SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> fold_into, inner_->Open());
    return WithJournal(std::move(store), std::move(fold_into), token_path_, segment_bytes_);
  }

  // A staged image is a state of its own, never appended to: no journal.
  Result<std::unique_ptr<StateStore>> Stage(const SecureBytes& image) override {
    return inner_->Stage(image);
  }

  // The live journal is folded into the live state first (its spends are then carried into the
  // restored state with the others), and every process's appends wait until the restored state
  // is in place; the journal then continues from the restored log's tail.
  Result<ReplaceCounts> ReplaceLive(const std::string& aside_tag, const TombstoneMacs& macs,
                                    std::string* aside) override {
    SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> live, inner_->Open());
    SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<FileJournal> journal,
                            FileJournal::Open(token_path_, *live, segment_bytes_));
    Result<ReplaceCounts> counts = Status(Code::kInternal, "the restore did not run");
    SAMP11_RETURN_IF_ERROR(journal->FoldAllThen(
        [&] {
          counts = inner_->ReplaceLive(aside_tag, macs, aside);
          return counts.status();
        },
        /*rewrites_log=*/true));
    return counts;
  }

  // The live state cannot be read, so neither can its journal be folded: both go aside.
  Status PromoteStaged(const std::string& aside_tag, std::string* aside) override {
    SAMP11_RETURN_IF_ERROR(inner_->PromoteStaged(aside_tag, aside));
    if (!aside->empty()) return FileJournal::MoveAside(token_path_, *aside);
    return FileJournal::RemoveLeftovers(token_path_);
  }
  void DiscardStaged() override { inner_->DiscardStaged(); }
  // Staged contents are a state of their own too; PromoteStaged clears any journal left beside
  // the path.
  Result<std::unique_ptr<StateStore>> StageContents(const StateContents& contents) override {
    return inner_->StageContents(contents);
  }
  bool HoldsNodeChains() const override { return inner_->HoldsNodeChains(); }

 private:
  std::unique_ptr<StateLocation> inner_;
  std::string token_path_;
  int64_t segment_bytes_;
};

}  // namespace

std::unique_ptr<StateLocation> JournaledStateLocation(std::unique_ptr<StateLocation> inner,
                                                      const std::string& token_path,
                                                      int64_t segment_bytes) {
  return std::make_unique<JournaledLocation>(std::move(inner), token_path, segment_bytes);
}

}  // namespace samp11
