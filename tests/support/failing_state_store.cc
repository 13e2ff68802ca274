#include "tests/support/failing_state_store.h"

#include <unistd.h>

#include <string>
#include <utility>

namespace samp11::testing {
namespace {

// What a picked call becomes: an error, or the end of the process at this instant (no
// destructor, no atexit handler, no buffered output flushed: as a kill would leave it).
Status Inject(const Fault& fault, const char* method, bool after) {
  if (fault.outcome == Fault::Outcome::kCrash) ::_exit(fault.exit_code);
  return Status(fault.code, std::string("injected fault: ") + method +
                                (after ? " failed after the inner call (its acknowledgement lost)"
                                       : " failed before the inner call (nothing written)"));
}

// One call through the plan: R is Status or Result<T>, both made from a Status.
template <typename R, typename Call>
R Guard(FaultPlan& plan, const char* method, size_t spends, Call&& call) {
  FaultPlan::Entered entered = plan.Enter(method, spends);
  if (entered.fault && entered.fault->when == Fault::When::kBefore) {
    return Inject(*entered.fault, method, false);
  }
  R result = call();
  plan.ReachedInner(entered);
  if (entered.fault) return Inject(*entered.fault, method, true);
  return result;
}

class FailingMeta : public MetaStore {
 public:
  FailingMeta(MetaStore& inner, FaultPlan& plan) : in_(inner), plan_(plan) {}
  Result<std::optional<std::string>> GetMeta(std::string_view name) override {
    return Guard<Result<std::optional<std::string>>>(plan_, "meta.GetMeta", 0,
                                                     [&] { return in_.GetMeta(name); });
  }
  Status InsertMeta(std::string_view name, std::string_view value) override {
    return Guard<Status>(plan_, "meta.InsertMeta", 0, [&] { return in_.InsertMeta(name, value); });
  }
  Status SetMeta(std::string_view name, std::string_view value) override {
    return Guard<Status>(plan_, "meta.SetMeta", 0, [&] { return in_.SetMeta(name, value); });
  }

 private:
  MetaStore& in_;
  FaultPlan& plan_;
};

class FailingSigners : public SignerStore {
 public:
  FailingSigners(SignerStore& inner, FaultPlan& plan) : in_(inner), plan_(plan) {}
  Status InsertSigner(const SignerRow& row) override {
    return Guard<Status>(plan_, "signers.InsertSigner", 0, [&] { return in_.InsertSigner(row); });
  }
  Result<std::optional<SignerRow>> FindSigner(std::string_view name) override {
    return Guard<Result<std::optional<SignerRow>>>(plan_, "signers.FindSigner", 0,
                                                   [&] { return in_.FindSigner(name); });
  }
  Result<std::vector<SignerRow>> ListSigners() override {
    return Guard<Result<std::vector<SignerRow>>>(plan_, "signers.ListSigners", 0,
                                                 [&] { return in_.ListSigners(); });
  }
  Status UpdateSignerStatus(const SignerRow& row) override {
    return Guard<Status>(plan_, "signers.UpdateSignerStatus", 0,
                         [&] { return in_.UpdateSignerStatus(row); });
  }
  Status RemoveSigner(const SignerRow& row) override {
    return Guard<Status>(plan_, "signers.RemoveSigner", 0, [&] { return in_.RemoveSigner(row); });
  }
  Status InsertActivationKey(const ActivationKeyRow& row) override {
    return Guard<Status>(plan_, "signers.InsertActivationKey", 0,
                         [&] { return in_.InsertActivationKey(row); });
  }
  Status UpdateActivationKeys(const std::vector<ActivationKeyRow>& rows) override {
    return Guard<Status>(plan_, "signers.UpdateActivationKeys", 0,
                         [&] { return in_.UpdateActivationKeys(rows); });
  }
  Status DeleteActivationKey(std::string_view kid) override {
    return Guard<Status>(plan_, "signers.DeleteActivationKey", 0,
                         [&] { return in_.DeleteActivationKey(kid); });
  }
  Result<std::optional<ActivationKeyRow>> FindActivationKey(std::string_view kid) override {
    return Guard<Result<std::optional<ActivationKeyRow>>>(
        plan_, "signers.FindActivationKey", 0, [&] { return in_.FindActivationKey(kid); });
  }
  Result<std::vector<ActivationKeyRow>> ListActivationKeys() override {
    return Guard<Result<std::vector<ActivationKeyRow>>>(plan_, "signers.ListActivationKeys", 0,
                                                        [&] { return in_.ListActivationKeys(); });
  }
  Status ReplaceActivationKeys(const std::vector<ActivationKeyRow>& inserted,
                               const std::vector<std::string>& deleted) override {
    return Guard<Status>(plan_, "signers.ReplaceActivationKeys", 0,
                         [&] { return in_.ReplaceActivationKeys(inserted, deleted); });
  }
  Status InsertSignerSubject(const SignerSubjectRow& row) override {
    return Guard<Status>(plan_, "signers.InsertSignerSubject", 0,
                         [&] { return in_.InsertSignerSubject(row); });
  }
  Result<std::optional<SignerSubjectRow>> FindSignerSubject(std::string_view issuer,
                                                            std::string_view subject) override {
    return Guard<Result<std::optional<SignerSubjectRow>>>(
        plan_, "signers.FindSignerSubject", 0,
        [&] { return in_.FindSignerSubject(issuer, subject); });
  }
  Result<std::vector<SignerSubjectRow>> ListSignerSubjects() override {
    return Guard<Result<std::vector<SignerSubjectRow>>>(plan_, "signers.ListSignerSubjects", 0,
                                                        [&] { return in_.ListSignerSubjects(); });
  }
  Status DeleteSignerSubject(std::string_view issuer, std::string_view subject) override {
    return Guard<Status>(plan_, "signers.DeleteSignerSubject", 0,
                         [&] { return in_.DeleteSignerSubject(issuer, subject); });
  }

 private:
  SignerStore& in_;
  FaultPlan& plan_;
};

class FailingKeys : public KeyStore {
 public:
  FailingKeys(KeyStore& inner, FaultPlan& plan) : in_(inner), plan_(plan) {}
  Status InsertKey(KeyRow& row) override {
    return Guard<Status>(plan_, "keys.InsertKey", 0, [&] { return in_.InsertKey(row); });
  }
  Status InsertKeys(std::vector<KeyRow>& rows) override {
    return Guard<Status>(plan_, "keys.InsertKeys", 0, [&] { return in_.InsertKeys(rows); });
  }
  Result<std::optional<KeyRow>> FindKeyByHandle(int64_t handle) override {
    return Guard<Result<std::optional<KeyRow>>>(plan_, "keys.FindKeyByHandle", 0,
                                                [&] { return in_.FindKeyByHandle(handle); });
  }
  Result<std::optional<KeyRow>> FindKeyById(const Bytes& id) override {
    return Guard<Result<std::optional<KeyRow>>>(plan_, "keys.FindKeyById", 0,
                                                [&] { return in_.FindKeyById(id); });
  }
  Result<std::vector<KeyRow>> FindKeysByLabel(std::string_view label, int64_t after,
                                              size_t limit) override {
    return Guard<Result<std::vector<KeyRow>>>(
        plan_, "keys.FindKeysByLabel", 0, [&] { return in_.FindKeysByLabel(label, after, limit); });
  }
  Result<std::vector<KeyRow>> ListKeys(int64_t after, size_t limit) override {
    return Guard<Result<std::vector<KeyRow>>>(plan_, "keys.ListKeys", 0,
                                              [&] { return in_.ListKeys(after, limit); });
  }
  Result<std::vector<KeyRow>> ListKeysByOwner(std::string_view owner, int64_t after,
                                              size_t limit) override {
    return Guard<Result<std::vector<KeyRow>>>(
        plan_, "keys.ListKeysByOwner", 0, [&] { return in_.ListKeysByOwner(owner, after, limit); });
  }
  Status UpdateKeyStatus(const KeyRow& row) override {
    return Guard<Status>(plan_, "keys.UpdateKeyStatus", 0,
                         [&] { return in_.UpdateKeyStatus(row); });
  }
  Status DestroyKey(const KeyRow& row) override {
    return Guard<Status>(plan_, "keys.DestroyKey", 0, [&] { return in_.DestroyKey(row); });
  }

 private:
  KeyStore& in_;
  FaultPlan& plan_;
};

class FailingCerts : public CertStore {
 public:
  FailingCerts(CertStore& inner, FaultPlan& plan) : in_(inner), plan_(plan) {}
  Status InsertCert(CertRow& row) override {
    return Guard<Status>(plan_, "certs.InsertCert", 0, [&] { return in_.InsertCert(row); });
  }
  Result<std::optional<CertRow>> FindCertByHandle(int64_t handle) override {
    return Guard<Result<std::optional<CertRow>>>(plan_, "certs.FindCertByHandle", 0,
                                                 [&] { return in_.FindCertByHandle(handle); });
  }
  Result<std::vector<CertRow>> FindCertsByKeyId(const Bytes& key_id) override {
    return Guard<Result<std::vector<CertRow>>>(plan_, "certs.FindCertsByKeyId", 0,
                                               [&] { return in_.FindCertsByKeyId(key_id); });
  }
  Result<std::vector<CertRow>> FindCertsByLabel(std::string_view label, int64_t after,
                                                size_t limit) override {
    return Guard<Result<std::vector<CertRow>>>(plan_, "certs.FindCertsByLabel", 0, [&] {
      return in_.FindCertsByLabel(label, after, limit);
    });
  }
  Result<std::vector<CertRow>> ListCerts(int64_t after, size_t limit) override {
    return Guard<Result<std::vector<CertRow>>>(plan_, "certs.ListCerts", 0,
                                               [&] { return in_.ListCerts(after, limit); });
  }

 private:
  CertStore& in_;
  FaultPlan& plan_;
};

class FailingReplay : public ReplayStore {
 public:
  FailingReplay(ReplayStore& inner, FaultPlan& plan) : in_(inner), plan_(plan) {}
  Result<bool> InsertSpentHash(const SpentHashRow& row) override {
    return Guard<Result<bool>>(plan_, "replay.InsertSpentHash", 1,
                               [&] { return in_.InsertSpentHash(row); });
  }
  Result<bool> IsHashSpent(std::string_view kid, std::string_view jti, const Bytes& hash) override {
    return Guard<Result<bool>>(plan_, "replay.IsHashSpent", 0,
                               [&] { return in_.IsHashSpent(kid, jti, hash); });
  }
  Result<int64_t> PurgeSpentHashes(int64_t sad_exp_before) override {
    return Guard<Result<int64_t>>(plan_, "replay.PurgeSpentHashes", 0,
                                  [&] { return in_.PurgeSpentHashes(sad_exp_before); });
  }
  Result<int64_t> CountSpentHashes() override {
    return Guard<Result<int64_t>>(plan_, "replay.CountSpentHashes", 0,
                                  [&] { return in_.CountSpentHashes(); });
  }

 private:
  ReplayStore& in_;
  FaultPlan& plan_;
};

class FailingJournal : public JournalStore {
 public:
  FailingJournal(JournalStore& inner, FaultPlan& plan) : in_(inner), plan_(plan) {}
  Result<std::vector<bool>> WriteJournal(const std::vector<Entry>& entries, bool synced) override {
    size_t spends = 0;
    for (const Entry& entry : entries) spends += entry.spend ? 1 : 0;
    return Guard<Result<std::vector<bool>>>(plan_, "journal.WriteJournal", spends,
                                            [&] { return in_.WriteJournal(entries, synced); });
  }
  Result<std::vector<bool>> ClaimSpentHashes(
      const std::vector<SpentHashRow>& rows,
      const std::function<Result<AuditAppend>(const AuditTail& tail, size_t claimed)>& make_append)
      override {
    return Guard<Result<std::vector<bool>>>(plan_, "journal.ClaimSpentHashes", rows.size(), [&] {
      return in_.ClaimSpentHashes(rows, make_append);
    });
  }

 private:
  JournalStore& in_;
  FaultPlan& plan_;
};

class FailingDeposits : public DepositStore {
 public:
  FailingDeposits(DepositStore& inner, FaultPlan& plan) : in_(inner), plan_(plan) {}
  Status InsertDeposit(const DepositRow& row) override {
    return Guard<Status>(plan_, "deposits.InsertDeposit", 0,
                         [&] { return in_.InsertDeposit(row); });
  }
  Result<std::vector<std::string>> FindDeposits(const Bytes& key_id, const Bytes& hash,
                                                int64_t min_exp, size_t limit) override {
    return Guard<Result<std::vector<std::string>>>(plan_, "deposits.FindDeposits", 0, [&] {
      return in_.FindDeposits(key_id, hash, min_exp, limit);
    });
  }
  Result<int64_t> PurgeDeposits(int64_t sad_exp_before) override {
    return Guard<Result<int64_t>>(plan_, "deposits.PurgeDeposits", 0,
                                  [&] { return in_.PurgeDeposits(sad_exp_before); });
  }

 private:
  DepositStore& in_;
  FaultPlan& plan_;
};

class FailingRequests : public RequestStore {
 public:
  FailingRequests(RequestStore& inner, FaultPlan& plan) : in_(inner), plan_(plan) {}
  Status InsertSadRequest(const SadRequestRow& row) override {
    return Guard<Status>(plan_, "requests.InsertSadRequest", 0,
                         [&] { return in_.InsertSadRequest(row); });
  }
  Result<std::optional<SadRequestRow>> FindSadRequest(std::string_view id) override {
    return Guard<Result<std::optional<SadRequestRow>>>(plan_, "requests.FindSadRequest", 0,
                                                       [&] { return in_.FindSadRequest(id); });
  }
  Result<std::vector<SadRequestRow>> ListPendingSadRequests(int64_t now, size_t limit) override {
    return Guard<Result<std::vector<SadRequestRow>>>(
        plan_, "requests.ListPendingSadRequests", 0,
        [&] { return in_.ListPendingSadRequests(now, limit); });
  }
  Result<bool> EndSadRequest(std::string_view id, std::string_view state, std::string_view detail,
                             int64_t now) override {
    return Guard<Result<bool>>(plan_, "requests.EndSadRequest", 0,
                               [&] { return in_.EndSadRequest(id, state, detail, now); });
  }

 private:
  RequestStore& in_;
  FaultPlan& plan_;
};

class FailingPins : public PinStore {
 public:
  FailingPins(PinStore& inner, FaultPlan& plan) : in_(inner), plan_(plan) {}
  Status UpsertSignerPin(const SignerPinRow& row) override {
    return Guard<Status>(plan_, "pins.UpsertSignerPin", 0,
                         [&] { return in_.UpsertSignerPin(row); });
  }
  Result<std::optional<SignerPinRow>> FindSignerPin(std::string_view name) override {
    return Guard<Result<std::optional<SignerPinRow>>>(plan_, "pins.FindSignerPin", 0,
                                                      [&] { return in_.FindSignerPin(name); });
  }
  Result<std::vector<SignerPinRow>> ListSignerPins() override {
    return Guard<Result<std::vector<SignerPinRow>>>(plan_, "pins.ListSignerPins", 0,
                                                    [&] { return in_.ListSignerPins(); });
  }
  Result<bool> TakePinTry(std::string_view name, int64_t max_tries) override {
    return Guard<Result<bool>>(plan_, "pins.TakePinTry", 0,
                               [&] { return in_.TakePinTry(name, max_tries); });
  }
  Status ResetPinFailures(std::string_view name) override {
    return Guard<Status>(plan_, "pins.ResetPinFailures", 0,
                         [&] { return in_.ResetPinFailures(name); });
  }

 private:
  PinStore& in_;
  FaultPlan& plan_;
};

class FailingOtp : public OtpStore {
 public:
  FailingOtp(OtpStore& inner, FaultPlan& plan) : in_(inner), plan_(plan) {}
  Status UpsertSignerOtp(const SignerOtpRow& row) override {
    return Guard<Status>(plan_, "otp.UpsertSignerOtp", 0, [&] { return in_.UpsertSignerOtp(row); });
  }
  Result<std::optional<SignerOtpRow>> FindSignerOtp(std::string_view name,
                                                    std::string_view kind) override {
    return Guard<Result<std::optional<SignerOtpRow>>>(
        plan_, "otp.FindSignerOtp", 0, [&] { return in_.FindSignerOtp(name, kind); });
  }
  Result<bool> AdvanceOtpStep(std::string_view name, std::string_view kind, int64_t step) override {
    return Guard<Result<bool>>(plan_, "otp.AdvanceOtpStep", 0,
                               [&] { return in_.AdvanceOtpStep(name, kind, step); });
  }
  Result<bool> TakeOtpTry(std::string_view name, std::string_view kind,
                          int64_t max_tries) override {
    return Guard<Result<bool>>(plan_, "otp.TakeOtpTry", 0,
                               [&] { return in_.TakeOtpTry(name, kind, max_tries); });
  }
  Status ResetOtpFailures(std::string_view name, std::string_view kind) override {
    return Guard<Status>(plan_, "otp.ResetOtpFailures", 0,
                         [&] { return in_.ResetOtpFailures(name, kind); });
  }

 private:
  OtpStore& in_;
  FaultPlan& plan_;
};

class FailingAudit : public AuditStore {
 public:
  FailingAudit(AuditStore& inner, FaultPlan& plan) : in_(inner), plan_(plan) {}
  Result<AuditTail> GetAuditTail() override {
    return Guard<Result<AuditTail>>(plan_, "audit.GetAuditTail", 0,
                                    [&] { return in_.GetAuditTail(); });
  }
  Result<std::vector<AuditRow>> ListAuditRows(int64_t after_seq, size_t limit,
                                              const AuditRowFilter& filter) override {
    return Guard<Result<std::vector<AuditRow>>>(plan_, "audit.ListAuditRows", 0, [&] {
      return in_.ListAuditRows(after_seq, limit, filter);
    });
  }
  Result<std::vector<std::string>> CheckStorage() override {
    return Guard<Result<std::vector<std::string>>>(plan_, "audit.CheckStorage", 0,
                                                   [&] { return in_.CheckStorage(); });
  }

 private:
  AuditStore& in_;
  FaultPlan& plan_;
};

class FailingMaintenance : public MaintenanceStore {
 public:
  FailingMaintenance(MaintenanceStore& inner, FaultPlan& plan) : in_(inner), plan_(plan) {}
  Result<StateVersion> KeyStateVersion() override {
    return Guard<Result<StateVersion>>(plan_, "maintenance.KeyStateVersion", 0,
                                       [&] { return in_.KeyStateVersion(); });
  }
  Result<int64_t> FillMissingLifecycleMacs(const LifecycleMacs& macs) override {
    return Guard<Result<int64_t>>(plan_, "maintenance.FillMissingLifecycleMacs", 0,
                                  [&] { return in_.FillMissingLifecycleMacs(macs); });
  }
  int64_t MigratedFromSchema() const override { return in_.MigratedFromSchema(); }
  Status Rekey(const RekeyPlan& rekey) override {
    return Guard<Status>(plan_, "maintenance.Rekey", 0, [&] { return in_.Rekey(rekey); });
  }
  Result<StateImage> Snapshot() override {
    return Guard<Result<StateImage>>(plan_, "maintenance.Snapshot", 0,
                                     [&] { return in_.Snapshot(); });
  }
  Result<StateContents> Contents() override {
    return Guard<Result<StateContents>>(plan_, "maintenance.Contents", 0,
                                        [&] { return in_.Contents(); });
  }

 private:
  MaintenanceStore& in_;
  FaultPlan& plan_;
};

}  // namespace

FailingStateStore::FailingStateStore(std::unique_ptr<StateStore> inner,
                                     std::shared_ptr<FaultPlan> plan)
    : inner_(std::move(inner)), plan_(std::move(plan)) {
  FaultPlan& p = *plan_;
  meta_ = std::make_unique<FailingMeta>(inner_->meta(), p);
  signers_ = std::make_unique<FailingSigners>(inner_->signers(), p);
  keys_ = std::make_unique<FailingKeys>(inner_->keys(), p);
  certs_ = std::make_unique<FailingCerts>(inner_->certs(), p);
  replay_ = std::make_unique<FailingReplay>(inner_->replay(), p);
  journal_ = std::make_unique<FailingJournal>(inner_->journal(), p);
  deposits_ = std::make_unique<FailingDeposits>(inner_->deposits(), p);
  requests_ = std::make_unique<FailingRequests>(inner_->requests(), p);
  pins_ = std::make_unique<FailingPins>(inner_->pins(), p);
  otp_ = std::make_unique<FailingOtp>(inner_->otp(), p);
  audit_ = std::make_unique<FailingAudit>(inner_->audit(), p);
  maintenance_ = std::make_unique<FailingMaintenance>(inner_->maintenance(), p);
}

}  // namespace samp11::testing
