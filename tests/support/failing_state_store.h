// A StateStore that fails on cue: a decorator over another store (it owns it) that passes every
// call through, except those its FaultPlan (fault_plan.h) picks, which fail before the inner call
// (the write never happens), or after it (the write happened, the caller is told it did not), with
// an error Status or a crash of the process. It records every call it sees.
//
// For the fault tests (tests/unit/fault_*.cc): what the SAM and the keystore do when their state
// fails at each step of signing and key management. Typical use:
//
//   auto plan = std::make_shared<FaultPlan>();
//   auto store = std::make_unique<FailingStateStore>(KeystoreLocation(path)->Open().value(), plan);
//   auto keystore = Keystore::Open(std::move(store), master);
//   plan->FailNth("journal.WriteJournal", 1, Fault::ErrorAfter());
#pragma once

#include <memory>

#include "state/state_store.h"
#include "tests/support/fault_plan.h"

namespace samp11::testing {

class FailingStateStore : public StateStore {
 public:
  FailingStateStore(std::unique_ptr<StateStore> inner, std::shared_ptr<FaultPlan> plan);
  FailingStateStore(const FailingStateStore&) = delete;
  FailingStateStore& operator=(const FailingStateStore&) = delete;

  FaultPlan& plan() { return *plan_; }

  MetaStore& meta() override { return *meta_; }
  SignerStore& signers() override { return *signers_; }
  KeyStore& keys() override { return *keys_; }
  CertStore& certs() override { return *certs_; }
  ReplayStore& replay() override { return *replay_; }
  JournalStore& journal() override { return *journal_; }
  DepositStore& deposits() override { return *deposits_; }
  RequestStore& requests() override { return *requests_; }
  PinStore& pins() override { return *pins_; }
  OtpStore& otp() override { return *otp_; }
  AuditStore& audit() override { return *audit_; }
  MaintenanceStore& maintenance() override { return *maintenance_; }

 private:
  // Declared first, so destroyed last: the decorators below refer to its parts.
  std::unique_ptr<StateStore> inner_;
  std::shared_ptr<FaultPlan> plan_;
  std::unique_ptr<MetaStore> meta_;
  std::unique_ptr<SignerStore> signers_;
  std::unique_ptr<KeyStore> keys_;
  std::unique_ptr<CertStore> certs_;
  std::unique_ptr<ReplayStore> replay_;
  std::unique_ptr<JournalStore> journal_;
  std::unique_ptr<DepositStore> deposits_;
  std::unique_ptr<RequestStore> requests_;
  std::unique_ptr<PinStore> pins_;
  std::unique_ptr<OtpStore> otp_;
  std::unique_ptr<AuditStore> audit_;
  std::unique_ptr<MaintenanceStore> maintenance_;
};

}  // namespace samp11::testing
