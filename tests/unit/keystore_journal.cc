// The signature journal: a signature's spend and its record in one write, grouped across threads.
#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "keystore/keystore.h"
#include "keystore_audit_util.h"
#include "keystore_test_util.h"

namespace samp11 {
namespace {

using testing::NewToken;
using testing::SpendOf;
using testing::TempDir;
using testing::TestToken;

AuditEvent SignEvent(const std::string& jti) {
  AuditEvent event;
  event.event = audit_event::kSign;
  event.signer = "alice";
  event.key_id = Bytes{1, 2, 3};
  event.kid = "device-1";
  event.jti = jti;
  event.detail = "via context login";
  return event;
}

std::vector<AuditRecord> SignRecords(Keystore& ks) {
  AuditFilter filter;
  filter.event = audit_event::kSign;
  filter.limit = kMaxAuditPage;
  auto records = ks.audit().List(filter, 0);
  REQUIRE(records.ok());
  return *records;
}

TEST_CASE("journal: a signature's spend and record are written together; a lost spend says so") {
  TempDir dir;
  TestToken token = NewToken(dir);
  Keystore& ks = *token.keystore;

  auto won = ks.audit().RecordSignature(SpendOf("j1", 0xaa), SignEvent("j1"), "hash already spent");
  REQUIRE_MESSAGE(won.ok(), won.status().ToString());
  CHECK(*won);
  CHECK(*ks.replay().IsHashSpent("device-1", "j1", Bytes(32, 0xaa)));

  // The same hash again: nothing spent, and the record is a refusal with the reason.
  auto again =
      ks.audit().RecordSignature(SpendOf("j1", 0xaa), SignEvent("j1"), "hash already spent");
  REQUIRE(again.ok());
  CHECK_FALSE(*again);
  // No spend (a SCAL1 signature): the record alone, as ok.
  auto scal1 = ks.audit().RecordSignature(std::nullopt, SignEvent("pin"), "unused");
  REQUIRE(scal1.ok());
  CHECK(*scal1);

  std::vector<AuditRecord> records = SignRecords(ks);
  REQUIRE(records.size() == 3);
  CHECK(records[0].event.outcome == audit_outcome::kOk);
  CHECK(records[1].event.outcome == audit_outcome::kRefused);
  CHECK(records[1].event.detail == "hash already spent");
  CHECK(records[2].event.outcome == audit_outcome::kOk);
  auto report = ks.audit().Verify();
  REQUIRE(report.ok());
  CHECK(report->ok());

  // A malformed event is refused before anything is written, spend included.
  AuditEvent bad = SignEvent("j2");
  bad.event = "Not An Event";
  CHECK(ks.audit().RecordSignature(SpendOf("j2", 0xbb), bad, "x").status().code() ==
        Code::kArgumentsBad);
  CHECK_FALSE(*ks.replay().IsHashSpent("device-1", "j2", Bytes(32, 0xbb)));
}

TEST_CASE("journal: lazy records are committed at once, in order with synced ones") {
  TempDir dir;
  TestToken token = NewToken(dir);
  Keystore& ks = *token.keystore;
  AuditEvent login;
  login.event = audit_event::kLoginContext;
  login.signer = "alice";
  REQUIRE(ks.audit().Record(login, Status::Ok(), AuditLog::Durability::kLazy).ok());
  REQUIRE(*ks.audit().RecordSignature(SpendOf("j1", 1), SignEvent("j1"), "lost"));
  REQUIRE(
      ks.audit()
          .Record(login, Status(Code::kActivationInvalid, "bad SAD"), AuditLog::Durability::kLazy)
          .code() == Code::kActivationInvalid);

  // Another connection (as another process would) sees all three, in order, chained.
  token.keystore.reset();
  auto reopened = testing::OpenTestKeystore(token.path, token.master);
  REQUIRE(reopened.ok());
  auto records = (*reopened)->audit().List(AuditFilter(), 0);
  REQUIRE(records.ok());
  REQUIRE(records->size() >= 3);
  const size_t n = records->size();
  CHECK((*records)[n - 3].event.event == audit_event::kLoginContext);
  CHECK((*records)[n - 2].event.event == audit_event::kSign);
  CHECK((*records)[n - 1].event.outcome == audit_outcome::kRefused);
  auto report = (*reopened)->audit().Verify();
  REQUIRE(report.ok());
  CHECK(report->ok());
}

TEST_CASE("journal: threads signing at once: each hash spent once, one record each, chain intact") {
  TempDir dir;
  TestToken token = NewToken(dir);
  Keystore& ks = *token.keystore;
  constexpr int kThreads = 6;
  constexpr int kHashes = 40;
  std::atomic<int> wins{0}, losses{0}, errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int h = 0; h < kHashes; ++h) {
        // Every thread tries every hash: exactly one spend of each may win.
        auto won = ks.audit().RecordSignature(SpendOf("batch", static_cast<uint8_t>(h)),
                                              SignEvent("batch"), "lost");
        if (!won.ok()) {
          ++errors;
        } else if (*won) {
          ++wins;
        } else {
          ++losses;
        }
        if (t % 2 == 0) {
          AuditEvent login;
          login.event = audit_event::kLoginContext;
          if (!ks.audit().Record(login, Status::Ok(), AuditLog::Durability::kLazy).ok()) ++errors;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(errors == 0);
  CHECK(wins == kHashes);
  CHECK(losses == (kThreads - 1) * kHashes);
  std::vector<AuditRecord> records = SignRecords(ks);
  CHECK(records.size() == static_cast<size_t>(kThreads * kHashes));
  int ok_records = 0;
  for (const AuditRecord& record : records) ok_records += record.event.outcome == "ok";
  CHECK(ok_records == kHashes);
  auto report = ks.audit().Verify();
  REQUIRE(report.ok());
  CHECK(report->ok());
}

}  // namespace
}  // namespace samp11
