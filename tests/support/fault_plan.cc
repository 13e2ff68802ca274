#include "tests/support/fault_plan.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace samp11::testing {

const std::vector<std::string>& FaultPlan::Methods() {
  static const std::vector<std::string> kMethods = {
      "meta.GetMeta",
      "meta.InsertMeta",
      "meta.SetMeta",
      "signers.InsertSigner",
      "signers.FindSigner",
      "signers.ListSigners",
      "signers.UpdateSignerStatus",
      "signers.RemoveSigner",
      "signers.InsertActivationKey",
      "signers.FindActivationKey",
      "signers.ListActivationKeys",
      "signers.DeleteActivationKey",
      "signers.UpdateActivationKeys",
      "signers.ReplaceActivationKeys",
      "signers.InsertSignerSubject",
      "signers.FindSignerSubject",
      "signers.ListSignerSubjects",
      "signers.DeleteSignerSubject",
      "keys.InsertKey",
      "keys.InsertKeys",
      "keys.FindKeyByHandle",
      "keys.FindKeyById",
      "keys.FindKeysByLabel",
      "keys.ListKeys",
      "keys.ListKeysByOwner",
      "keys.UpdateKeyStatus",
      "keys.DestroyKey",
      "certs.InsertCert",
      "certs.FindCertByHandle",
      "certs.FindCertsByKeyId",
      "certs.FindCertsByLabel",
      "certs.ListCerts",
      "replay.InsertSpentHash",
      "replay.IsHashSpent",
      "replay.PurgeSpentHashes",
      "replay.CountSpentHashes",
      "journal.WriteJournal",
      "journal.ClaimSpentHashes",
      "deposits.InsertDeposit",
      "deposits.FindDeposits",
      "deposits.PurgeDeposits",
      "requests.InsertSadRequest",
      "requests.FindSadRequest",
      "requests.ListPendingSadRequests",
      "requests.EndSadRequest",
      "pins.UpsertSignerPin",
      "pins.FindSignerPin",
      "pins.ListSignerPins",
      "pins.TakePinTry",
      "pins.ResetPinFailures",
      "otp.UpsertSignerOtp",
      "otp.FindSignerOtp",
      "otp.AdvanceOtpStep",
      "otp.TakeOtpTry",
      "otp.ResetOtpFailures",
      "audit.GetAuditTail",
      "audit.CheckStorage",
      "audit.ListAuditRows",
      "maintenance.KeyStateVersion",
      "maintenance.FillMissingLifecycleMacs",
      "maintenance.Rekey",
      "maintenance.Snapshot",
      "maintenance.Contents",
  };
  return kMethods;
}

namespace {

bool Known(const std::string& method) {
  const std::vector<std::string>& all = FaultPlan::Methods();
  return std::find(all.begin(), all.end(), method) != all.end();
}

}  // namespace

void FaultPlan::AddRule(const std::string& method, int64_t nth, bool and_after, Fault fault) {
  if (!Known(method)) {
    throw std::invalid_argument("FaultPlan: no state method is named '" + method +
                                "' (names are <accessor>.<Method>, as in FaultPlan::Methods())");
  }
  if (nth < 1) throw std::invalid_argument("FaultPlan: calls are counted from 1");
  if (fault.outcome == Fault::Outcome::kError && fault.code == Code::kOk) {
    throw std::invalid_argument("FaultPlan: an injected error needs a code other than kOk");
  }
  std::lock_guard<std::mutex> lock(mu_);
  rules_.push_back(Rule{method, nth, and_after, fault, 0, false});
}

void FaultPlan::FailNth(const std::string& method, int64_t nth, Fault fault) {
  AddRule(method, nth, false, fault);
}

void FaultPlan::FailFrom(const std::string& method, int64_t nth, Fault fault) {
  AddRule(method, nth, true, fault);
}

void FaultPlan::ClearRules() {
  std::lock_guard<std::mutex> lock(mu_);
  rules_.clear();
}

std::vector<SeenCall> FaultPlan::Calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return calls_;
}

void FaultPlan::ClearCalls() {
  std::lock_guard<std::mutex> lock(mu_);
  calls_.clear();
  ++generation_;
}

int64_t FaultPlan::CallCount(const std::string& method) const {
  std::lock_guard<std::mutex> lock(mu_);
  return std::count_if(calls_.begin(), calls_.end(),
                       [&](const SeenCall& call) { return call.method == method; });
}

size_t FaultPlan::SpendsAttempted() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t spends = 0;
  for (const SeenCall& call : calls_) spends += call.spends;
  return spends;
}

int64_t FaultPlan::FailuresInjected() const {
  std::lock_guard<std::mutex> lock(mu_);
  return std::count_if(calls_.begin(), calls_.end(),
                       [](const SeenCall& call) { return call.failed; });
}

FaultPlan::Entered FaultPlan::Enter(const char* method, size_t spends) {
  if (!Known(method)) {
    std::fprintf(stderr, "FailingStateStore: '%s' is not in FaultPlan::Methods()\n", method);
    std::abort();
  }
  std::lock_guard<std::mutex> lock(mu_);
  Entered entered;
  // Every rule on this method counts the call, even when an earlier rule already picked it:
  // "the nth call from now" stays the nth whatever else is planned.
  for (Rule& rule : rules_) {
    if (rule.done || rule.method != method) continue;
    ++rule.seen;
    const bool picked = rule.and_after ? rule.seen >= rule.nth : rule.seen == rule.nth;
    if (!picked) continue;
    if (!rule.and_after) rule.done = true;
    if (!entered.fault) entered.fault = rule.fault;
  }
  entered.call = calls_.size();
  entered.generation = generation_;
  calls_.push_back(SeenCall{method, spends, false, entered.fault.has_value()});
  return entered;
}

void FaultPlan::ReachedInner(const Entered& entered) {
  std::lock_guard<std::mutex> lock(mu_);
  // ClearCalls may have run meanwhile (another thread): a call it dropped stays dropped.
  if (entered.generation == generation_) calls_[entered.call].reached_inner = true;
}

}  // namespace samp11::testing
