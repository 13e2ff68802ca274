// The test tool itself: FailingStateStore (tests/support/failing_state_store.h) passes every
// method of every state interface through, fails exactly the calls its plan picks, before or
// after the inner call, with the code asked for or a crash, and refuses rules it cannot obey.
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <stdexcept>
#include <thread>
#include <vector>

#include "keystore_test_util.h"
#include "tests/support/failing_state_store.h"

namespace samp11 {
namespace {

using testing::FailingStateStore;
using testing::Fault;
using testing::FaultPlan;
using testing::TempDir;

struct Fixture {
  TempDir dir;
  std::shared_ptr<FaultPlan> plan = std::make_shared<FaultPlan>();
  std::unique_ptr<FailingStateStore> store;

  Fixture() {
    auto inner = testing::TestLocation(dir.File("state.db"))->Create();
    REQUIRE_MESSAGE(inner.ok(), inner.status().ToString());
    store = std::make_unique<FailingStateStore>(std::move(inner).value(), plan);
  }
  std::optional<std::string> Meta(const std::string& name) {
    auto value = testing::RawStore(dir.File("state.db"))->meta().GetMeta(name);
    REQUIRE(value.ok());
    return *value;
  }
};

// One call of each method. The test below fails every one of them before the inner store, so
// their arguments need not make sense to it.
using Call = std::function<Status(StateStore&)>;
std::map<std::string, Call> OneCallOfEach() {
  static const Bytes kId = ToBytes("id");
  return {
      {"meta.GetMeta", [](StateStore& s) { return s.meta().GetMeta("x").status(); }},
      {"meta.InsertMeta", [](StateStore& s) { return s.meta().InsertMeta("x", "1"); }},
      {"meta.SetMeta", [](StateStore& s) { return s.meta().SetMeta("x", "1"); }},
      {"signers.InsertSigner", [](StateStore& s) { return s.signers().InsertSigner(SignerRow{}); }},
      {"signers.FindSigner", [](StateStore& s) { return s.signers().FindSigner("a").status(); }},
      {"signers.ListSigners", [](StateStore& s) { return s.signers().ListSigners().status(); }},
      {"signers.UpdateSignerStatus",
       [](StateStore& s) { return s.signers().UpdateSignerStatus(SignerRow{}); }},
      {"signers.RemoveSigner", [](StateStore& s) { return s.signers().RemoveSigner(SignerRow{}); }},
      {"signers.InsertActivationKey",
       [](StateStore& s) { return s.signers().InsertActivationKey(ActivationKeyRow{}); }},
      {"signers.FindActivationKey",
       [](StateStore& s) { return s.signers().FindActivationKey("k").status(); }},
      {"signers.ListActivationKeys",
       [](StateStore& s) { return s.signers().ListActivationKeys().status(); }},
      {"signers.DeleteActivationKey",
       [](StateStore& s) { return s.signers().DeleteActivationKey("k"); }},
      {"signers.UpdateActivationKeys",
       [](StateStore& s) { return s.signers().UpdateActivationKeys({ActivationKeyRow{}}); }},
      {"signers.ReplaceActivationKeys",
       [](StateStore& s) { return s.signers().ReplaceActivationKeys({ActivationKeyRow{}}, {}); }},
      {"signers.InsertSignerSubject",
       [](StateStore& s) { return s.signers().InsertSignerSubject(SignerSubjectRow{}); }},
      {"signers.FindSignerSubject",
       [](StateStore& s) { return s.signers().FindSignerSubject("i", "s").status(); }},
      {"signers.ListSignerSubjects",
       [](StateStore& s) { return s.signers().ListSignerSubjects().status(); }},
      {"signers.DeleteSignerSubject",
       [](StateStore& s) { return s.signers().DeleteSignerSubject("i", "s"); }},
      {"keys.InsertKey",
       [](StateStore& s) {
         KeyRow row;
         return s.keys().InsertKey(row);
       }},
      {"keys.InsertKeys",
       [](StateStore& s) {
         std::vector<KeyRow> rows;
         return s.keys().InsertKeys(rows);
       }},
      {"keys.FindKeyByHandle", [](StateStore& s) { return s.keys().FindKeyByHandle(1).status(); }},
      {"keys.FindKeyById", [](StateStore& s) { return s.keys().FindKeyById(kId).status(); }},
      {"keys.FindKeysByLabel",
       [](StateStore& s) { return s.keys().FindKeysByLabel("l", 0, 1).status(); }},
      {"keys.ListKeys", [](StateStore& s) { return s.keys().ListKeys(0, 1).status(); }},
      {"keys.ListKeysByOwner",
       [](StateStore& s) { return s.keys().ListKeysByOwner("a", 0, 1).status(); }},
      {"keys.UpdateKeyStatus", [](StateStore& s) { return s.keys().UpdateKeyStatus(KeyRow{}); }},
      {"keys.DestroyKey", [](StateStore& s) { return s.keys().DestroyKey(KeyRow{}); }},
      {"certs.InsertCert",
       [](StateStore& s) {
         CertRow row;
         return s.certs().InsertCert(row);
       }},
      {"certs.FindCertByHandle",
       [](StateStore& s) { return s.certs().FindCertByHandle(1).status(); }},
      {"certs.FindCertsByKeyId",
       [](StateStore& s) { return s.certs().FindCertsByKeyId(kId).status(); }},
      {"certs.FindCertsByLabel",
       [](StateStore& s) { return s.certs().FindCertsByLabel("l", 0, 1).status(); }},
      {"certs.ListCerts", [](StateStore& s) { return s.certs().ListCerts(0, 1).status(); }},
      {"replay.InsertSpentHash",
       [](StateStore& s) { return s.replay().InsertSpentHash(SpentHashRow{}).status(); }},
      {"replay.IsHashSpent",
       [](StateStore& s) { return s.replay().IsHashSpent("k", "j", kId).status(); }},
      {"replay.PurgeSpentHashes",
       [](StateStore& s) { return s.replay().PurgeSpentHashes(0).status(); }},
      {"replay.CountSpentHashes",
       [](StateStore& s) { return s.replay().CountSpentHashes().status(); }},
      {"journal.WriteJournal",
       [](StateStore& s) { return s.journal().WriteJournal({}, false).status(); }},
      {"journal.ClaimSpentHashes",
       [](StateStore& s) { return s.journal().ClaimSpentHashes({}, nullptr).status(); }},
      {"deposits.InsertDeposit",
       [](StateStore& s) { return s.deposits().InsertDeposit(DepositRow{}); }},
      {"deposits.FindDeposits",
       [](StateStore& s) { return s.deposits().FindDeposits(kId, kId, 0, 1).status(); }},
      {"deposits.PurgeDeposits",
       [](StateStore& s) { return s.deposits().PurgeDeposits(0).status(); }},
      {"requests.InsertSadRequest",
       [](StateStore& s) { return s.requests().InsertSadRequest(SadRequestRow{}); }},
      {"requests.FindSadRequest",
       [](StateStore& s) { return s.requests().FindSadRequest("r").status(); }},
      {"requests.ListPendingSadRequests",
       [](StateStore& s) { return s.requests().ListPendingSadRequests(0, 1).status(); }},
      {"requests.EndSadRequest",
       [](StateStore& s) { return s.requests().EndSadRequest("r", "refused", "", 0).status(); }},
      {"pins.UpsertSignerPin",
       [](StateStore& s) { return s.pins().UpsertSignerPin(SignerPinRow{}); }},
      {"pins.FindSignerPin", [](StateStore& s) { return s.pins().FindSignerPin("a").status(); }},
      {"pins.ListSignerPins", [](StateStore& s) { return s.pins().ListSignerPins().status(); }},
      {"pins.TakePinTry", [](StateStore& s) { return s.pins().TakePinTry("a", 3).status(); }},
      {"pins.ResetPinFailures", [](StateStore& s) { return s.pins().ResetPinFailures("a"); }},
      {"otp.UpsertSignerOtp",
       [](StateStore& s) { return s.otp().UpsertSignerOtp(SignerOtpRow{}); }},
      {"otp.FindSignerOtp",
       [](StateStore& s) { return s.otp().FindSignerOtp("a", "totp").status(); }},
      {"otp.AdvanceOtpStep",
       [](StateStore& s) { return s.otp().AdvanceOtpStep("a", "totp", 1).status(); }},
      {"otp.TakeOtpTry", [](StateStore& s) { return s.otp().TakeOtpTry("a", "ocra", 3).status(); }},
      {"otp.ResetOtpFailures", [](StateStore& s) { return s.otp().ResetOtpFailures("a", "ocra"); }},
      {"audit.GetAuditTail", [](StateStore& s) { return s.audit().GetAuditTail().status(); }},
      {"audit.CheckStorage", [](StateStore& s) { return s.audit().CheckStorage().status(); }},
      {"audit.ListAuditRows",
       [](StateStore& s) { return s.audit().ListAuditRows(0, 1, AuditRowFilter{}).status(); }},
      {"maintenance.KeyStateVersion",
       [](StateStore& s) { return s.maintenance().KeyStateVersion().status(); }},
      {"maintenance.FillMissingLifecycleMacs",
       [](StateStore& s) { return s.maintenance().FillMissingLifecycleMacs({}).status(); }},
      {"maintenance.Rekey", [](StateStore& s) { return s.maintenance().Rekey(RekeyPlan{}); }},
      {"maintenance.Snapshot", [](StateStore& s) { return s.maintenance().Snapshot().status(); }},
      {"maintenance.Contents", [](StateStore& s) { return s.maintenance().Contents().status(); }},
  };
}

TEST_CASE("failing store: every method has its name, and a rule on it fails that call") {
  Fixture f;
  const std::map<std::string, Call> calls = OneCallOfEach();
  // Every name the plan knows is called below, and nothing else: no method left out.
  std::vector<std::string> names;
  for (const auto& entry : calls) names.push_back(entry.first);
  std::vector<std::string> known = FaultPlan::Methods();
  std::sort(known.begin(), known.end());
  CHECK(names == known);

  for (const auto& entry : calls) {
    // Named, not bound: CAPTURE takes a reference, and clang 14 cannot capture a
    // structured binding.
    const auto& name = entry.first;
    const auto& call = entry.second;
    CAPTURE(name);
    f.plan->ClearCalls();
    f.plan->FailNth(name, 1, Fault::ErrorBefore(Code::kDevice));
    Status failed = call(*f.store);
    CHECK(failed.code() == Code::kDevice);
    CHECK(failed.message().find(name) != std::string::npos);
    std::vector<testing::SeenCall> seen = f.plan->Calls();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].method == name);
    CHECK(seen[0].failed);
    CHECK_FALSE(seen[0].reached_inner);
    CHECK(f.plan->FailuresInjected() == 1);
  }
}

TEST_CASE("failing store: before, the write never happens; after, it happens and is denied") {
  Fixture f;
  f.plan->FailNth("meta.SetMeta", 1, Fault::ErrorBefore());
  CHECK(f.store->meta().SetMeta("before", "1").code() == Code::kStorage);
  CHECK_FALSE(f.Meta("before").has_value());

  f.plan->FailNth("meta.SetMeta", 1, Fault::ErrorAfter(Code::kTampered));
  Status lost = f.store->meta().SetMeta("after", "1");
  CHECK(lost.code() == Code::kTampered);
  CHECK(lost.message().find("acknowledgement lost") != std::string::npos);
  CHECK(f.Meta("after") == std::optional<std::string>("1"));
  std::vector<testing::SeenCall> seen = f.plan->Calls();
  REQUIRE(seen.size() == 2);
  CHECK_FALSE(seen[0].reached_inner);
  CHECK(seen[1].reached_inner);
  CHECK(seen[1].failed);

  // Rules are used up; the store passes everything through again.
  CHECK(f.store->meta().SetMeta("then", "1").ok());
  CHECK(f.Meta("then") == std::optional<std::string>("1"));
}

TEST_CASE("failing store: the nth call from when the rule is set, once or from then on") {
  Fixture f;
  auto get = [&] { return f.store->meta().GetMeta("x").status().ok(); };
  CHECK(get());  // before any rule: not counted by the rules below
  f.plan->FailNth("meta.GetMeta", 2, Fault::ErrorBefore());
  CHECK(get());
  CHECK_FALSE(get());
  CHECK(get());
  f.plan->FailFrom("meta.GetMeta", 2, Fault::ErrorBefore());
  CHECK(get());
  CHECK_FALSE(get());
  CHECK_FALSE(get());
  CHECK(f.store->meta().SetMeta("x", "1").ok());  // other methods are not touched
  f.plan->ClearRules();
  CHECK(get());
  CHECK(f.plan->CallCount("meta.GetMeta") == 8);
  CHECK(f.plan->FailuresInjected() == 3);
}

TEST_CASE("failing store: a rule it cannot obey is the test's failure, not a silent no-op") {
  FaultPlan plan;
  CHECK_THROWS_AS(plan.FailNth("journal.writeJournal", 1, Fault::ErrorBefore()),
                  std::invalid_argument);
  CHECK_THROWS_AS(plan.FailNth("WriteJournal", 1, Fault::ErrorBefore()), std::invalid_argument);
  CHECK_THROWS_AS(plan.FailFrom("journal.WriteJournal", 0, Fault::ErrorBefore()),
                  std::invalid_argument);
  CHECK_THROWS_AS(plan.FailNth("journal.WriteJournal", 1, Fault::ErrorBefore(Code::kOk)),
                  std::invalid_argument);
}

TEST_CASE("failing store: spends carried by the calls are counted") {
  Fixture f;
  SpentHashRow row;
  row.kid = "kid";
  row.jti = "jti";
  row.hash = ToBytes("hash");
  f.plan->FailNth("replay.InsertSpentHash", 1, Fault::ErrorBefore());
  CHECK_FALSE(f.store->replay().InsertSpentHash(row).ok());
  JournalStore::Entry entry;
  entry.spend = row;
  f.plan->FailNth("journal.WriteJournal", 1, Fault::ErrorBefore());
  CHECK_FALSE(f.store->journal().WriteJournal({entry, entry}, true).ok());
  CHECK(f.plan->SpendsAttempted() == 3);
  CHECK_FALSE(f.store->replay().IsHashSpent("kid", "jti", row.hash).value());
}

TEST_CASE("failing store: a crash ends the process there, before or after the write" *
          testing::SqliteOnly()) {
  for (Fault fault : {Fault::CrashBefore(41), Fault::CrashAfter(42)}) {
    TempDir dir;
    const std::string path = dir.File("state.db");
    REQUIRE(KeystoreLocation(path)->Create().ok());
    const bool after = fault.when == Fault::When::kAfter;
    CAPTURE(after);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      // The child opens the state itself: a SQLite connection does not cross a fork.
      auto inner = KeystoreLocation(path)->Open();
      if (!inner.ok()) ::_exit(3);
      auto plan = std::make_shared<FaultPlan>();
      FailingStateStore store(std::move(inner).value(), plan);
      plan->FailNth("meta.SetMeta", 1, fault);
      (void)store.meta().SetMeta("crash", "1");
      ::_exit(4);  // not reached when the store crashed
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == fault.exit_code);
    auto value = testing::RawStore(path)->meta().GetMeta("crash");
    REQUIRE(value.ok());
    CHECK(value->has_value() == after);
  }
}

TEST_CASE("failing store: one plan, many threads: the nth call fails exactly once") {
  Fixture f;
  f.plan->FailNth("meta.GetMeta", 150, Fault::ErrorBefore());
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) failed += f.store->meta().GetMeta("x").ok() ? 0 : 1;
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(failed == 1);
  CHECK(f.plan->CallCount("meta.GetMeta") == 400);
}

}  // namespace
}  // namespace samp11
