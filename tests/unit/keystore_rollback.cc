// The rollback guard (keystore/rollback_guard.h): a keystore whose files were put back to an
// earlier copy is refused, at open and at the next synced write; an operator's acceptance lifts
// that; a crash, threads and processes raise no false alarm; an anchor that fails fails closed.
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "keystore/keystore.h"
#include "keystore/rollback_anchor.h"
#include "keystore_audit_util.h"
#include "keystore_test_util.h"

namespace samp11 {
namespace {

namespace fs = std::filesystem;
using testing::NewToken;
using testing::OpenTestKeystore;
using testing::SignOf;
using testing::SignSpending;
using testing::SpendOf;
using testing::SqliteOnly;
using testing::TempDir;
using testing::TestToken;

std::unique_ptr<Keystore> OpenGuarded(const TestToken& token, const std::string& anchor) {
  auto ks = OpenTestKeystore(token.path, token.master);
  REQUIRE_MESSAGE(ks.ok(), ks.status().ToString());
  Status guarded = (*ks)->GuardRollback(MakeRollbackAnchorFile(anchor, (*ks)->identity()));
  REQUIRE_MESSAGE(guarded.ok(), guarded.ToString());
  return std::move(ks).value();
}

std::vector<AuditRecord> Records(Keystore& ks, const std::string& event) {
  AuditFilter filter;
  filter.event = event;
  filter.limit = kMaxAuditPage;
  auto records = ks.audit().List(filter, 0);
  REQUIRE_MESSAGE(records.ok(), records.status().ToString());
  return *records;
}

bool ReportNames(const AuditReport& report, const std::string& words) {
  for (const AuditProblem& p : report.problems) {
    if (p.what.find(words) != std::string::npos) return true;
  }
  return false;
}

// The token's files (the SQLite file and the signature journal beside it) copied to aside, and
// put back from it: what a restored backup, a VM snapshot or an attacker does.
void CopyTokenFiles(const std::string& token_path, const std::string& to) {
  fs::create_directories(to);
  const fs::path from = fs::path(token_path).parent_path();
  const std::string prefix = fs::path(token_path).filename().string();
  for (const fs::directory_entry& entry : fs::directory_iterator(from)) {
    if (entry.path().filename().string().rfind(prefix, 0) != 0) continue;
    fs::copy(entry.path(), fs::path(to) / entry.path().filename(),
             fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  }
}
void PutBackTokenFiles(const std::string& aside, const std::string& token_path) {
  const fs::path dir = fs::path(token_path).parent_path();
  const std::string prefix = fs::path(token_path).filename().string();
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    if (entry.path().filename().string().rfind(prefix, 0) == 0) fs::remove_all(entry.path());
  }
  for (const fs::directory_entry& entry : fs::directory_iterator(aside)) {
    fs::copy(entry.path(), dir / entry.path().filename(), fs::copy_options::recursive);
  }
}

TEST_CASE("rollback: the anchor is written at first open and follows synced writes") {
  TempDir dir;
  TestToken token = NewToken(dir);
  token.keystore.reset();
  const std::string anchor = dir.File("anchor");
  {
    auto ks = OpenGuarded(token, anchor);
    CHECK(fs::exists(anchor));
    auto created = Records(*ks, audit_event::kRollbackAnchor);
    REQUIRE(created.size() == 1);
    CHECK(created[0].event.detail.find("first written, at audit record 1") != std::string::npos);
    for (int i = 0; i < 5; ++i) {
      auto won = SignSpending(*ks, "j" + std::to_string(i), static_cast<uint8_t>(i));
      REQUIRE_MESSAGE(won.ok(), won.status().ToString());
      CHECK(*won);
    }
    CHECK(fs::file_size(anchor) == 256);  // both slots in use
  }
  auto ks = OpenGuarded(token, anchor);
  CHECK_FALSE(ks->rollback_guard()->detected());
  CHECK(Records(*ks, audit_event::kRollbackAnchor).size() == 1);  // not written again
  auto report = ks->audit().Verify();
  REQUIRE(report.ok());
  CHECK_MESSAGE(report->ok(), testing::Describe(*report));
  CHECK(ks->AcceptRollback("nothing to accept").status().code() == Code::kArgumentsBad);
}

TEST_CASE("rollback: a keystore put back to an earlier copy refuses to sign until accepted" *
          SqliteOnly()) {
  TempDir dir;
  TestToken token = NewToken(dir);
  token.keystore.reset();
  const std::string anchor = dir.File("anchor");
  const std::string aside = dir.File("aside");
  {
    auto ks = OpenGuarded(token, anchor);
    REQUIRE(*SignSpending(*ks, "j1", 1));
  }
  CopyTokenFiles(token.path, aside);
  {
    auto ks = OpenGuarded(token, anchor);
    auto won = SignSpending(*ks, "j2", 2);  // the signature the copy does not know of
    REQUIRE_MESSAGE(won.ok(), won.status().ToString());
    REQUIRE(*won);
  }
  PutBackTokenFiles(aside, token.path);

  SUBCASE("without the guard, the same hash signs again: what the guard is for") {
    auto ks = OpenTestKeystore(token.path, token.master);
    REQUIRE(ks.ok());
    auto again = SignSpending(**ks, "j2", 2);
    REQUIRE(again.ok());
    CHECK(*again);
  }
  SUBCASE("with it, nothing signs, and the log and verify say why") {
    auto ks = OpenGuarded(token, anchor);
    CHECK(ks->rollback_guard()->detected());
    auto again = SignSpending(*ks, "j2", 2);
    REQUIRE_FALSE(again.ok());
    CHECK(again.status().code() == Code::kTampered);
    CHECK(again.status().message().find("rollback detected") != std::string::npos);
    CHECK(again.status().message().find("accept-rollback") != std::string::npos);
    // Nor does a hash never spent: the keystore as a whole is not trusted.
    CHECK(SignSpending(*ks, "j3", 3).status().code() == Code::kTampered);
    auto detected = Records(*ks, audit_event::kRollbackDetected);
    REQUIRE(detected.size() == 1);  // once per process, at open
    CHECK(detected[0].event.outcome == audit_outcome::kError);
    auto report = ks->audit().Verify();
    REQUIRE(report.ok());
    CHECK(ReportNames(*report, "rollback detected"));

    SUBCASE("in a fresh process too (a new open), until an operator accepts") {
      ks.reset();
      auto fresh = OpenGuarded(token, anchor);
      CHECK(SignSpending(*fresh, "j2", 2).status().code() == Code::kTampered);
      auto accepted = fresh->AcceptRollback("ticket 42");
      REQUIRE_MESSAGE(accepted.ok(), accepted.status().ToString());
      auto records = Records(*fresh, audit_event::kRollbackAccepted);
      REQUIRE(records.size() == 1);
      CHECK(records[0].seq == accepted->record);
      CHECK(records[0].event.detail.find("ticket 42") != std::string::npos);
      auto won = SignSpending(*fresh, "j5", 5);  // j2 and j3 were spent by the refused attempts
      REQUIRE_MESSAGE(won.ok(), won.status().ToString());
      CHECK(*won);
      fresh.reset();
      auto later = OpenGuarded(token, anchor);
      CHECK_FALSE(later->rollback_guard()->detected());
      auto verified = later->audit().Verify();
      REQUIRE(verified.ok());
      CHECK_MESSAGE(verified->ok(), testing::Describe(*verified));
    }
    SUBCASE("an acceptance in another process lifts this one's alarm at its next write") {
      auto other = OpenGuarded(token, anchor);
      REQUIRE(other->AcceptRollback("checked").ok());
      auto won = SignSpending(*ks, "j4", 4);
      REQUIRE_MESSAGE(won.ok(), won.status().ToString());
      CHECK(*won);
    }
  }
}

TEST_CASE(
    "rollback: files put back under a running process are refused at its next synced "
    "write" *
    SqliteOnly()) {
  TempDir dir;
  TestToken token = NewToken(dir);
  token.keystore.reset();
  const std::string anchor = dir.File("anchor");
  const std::string aside = dir.File("aside");
  auto writer = OpenGuarded(token, anchor);  // stays open throughout, as a signing server does
  REQUIRE(*SignSpending(*writer, "j1", 1));
  CopyTokenFiles(token.path, aside);
  {
    auto other = OpenGuarded(token, anchor);  // another node process signs meanwhile
    REQUIRE(*SignSpending(*other, "j2", 2));
  }
  // The copy goes back (new files at the same paths); the running process's next open of them
  // is a new keystore object, as after C_Finalize/C_Initialize.
  writer.reset();
  PutBackTokenFiles(aside, token.path);
  auto reopened = OpenTestKeystore(token.path, token.master);
  REQUIRE(reopened.ok());
  // Guarded only from here, as a process that opened before the anchor existed: the first synced
  // write finds the rollback, withholds its signature and records it.
  auto ks = std::move(reopened).value();
  {
    // The anchor is checked when the guard starts, and by the synced record of its creation;
    // both are let through here, to see the check of a later write: an anchor that reads "none"
    // twice and the real one afterwards.
    class LateAnchor : public RollbackAnchor {
     public:
      explicit LateAnchor(std::unique_ptr<RollbackAnchor> real) : real_(std::move(real)) {}
      Status Advance(const Update& update) override {
        if (blind_ > 0) {
          --blind_;
          return update(std::nullopt).status();  // "never written": nothing to compare yet
        }
        return real_->Advance(update);
      }
      Status Reset(const AnchorPoint& point) override { return real_->Reset(point); }
      std::string Describe() const override { return real_->Describe(); }

     private:
      std::unique_ptr<RollbackAnchor> real_;
      int blind_ = 2;
    };
    REQUIRE(ks->GuardRollback(
                  std::make_unique<LateAnchor>(MakeRollbackAnchorFile(anchor, ks->identity())))
                .ok());
  }
  CHECK_FALSE(ks->rollback_guard()->detected());
  // A login's lazy record first: the write that finds the rollback continues a record the anchor
  // never saw.
  REQUIRE(ks->audit().Append(SignOf("login"), AuditLog::Durability::kLazy).ok());
  CHECK_FALSE(ks->rollback_guard()->detected());
  auto again = SignSpending(*ks, "j2", 2);
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().code() == Code::kTampered);
  CHECK(ks->rollback_guard()->detected());
  CHECK(Records(*ks, audit_event::kRollbackDetected).size() == 1);
}

// A RollbackAnchor that fails when told to: the guard must then fail closed.
class FailingAnchor : public RollbackAnchor {
 public:
  FailingAnchor(std::unique_ptr<RollbackAnchor> real, std::atomic<bool>& fail)
      : real_(std::move(real)), fail_(fail) {}
  Status Advance(const Update& update) override {
    if (fail_) return Status(Code::kStorage, "cannot write the rollback anchor (injected)");
    return real_->Advance(update);
  }
  Status Reset(const AnchorPoint& point) override {
    if (fail_) return Status(Code::kStorage, "cannot write the rollback anchor (injected)");
    return real_->Reset(point);
  }
  std::string Describe() const override { return real_->Describe(); }

 private:
  std::unique_ptr<RollbackAnchor> real_;
  std::atomic<bool>& fail_;
};

TEST_CASE("rollback: an anchor that cannot be written withholds the signature") {
  TempDir dir;
  TestToken token = NewToken(dir);
  std::atomic<bool> fail{false};
  Keystore& ks = *token.keystore;
  REQUIRE(ks.GuardRollback(std::make_unique<FailingAnchor>(
                               MakeRollbackAnchorFile(dir.File("anchor"), ks.identity()), fail))
              .ok());
  REQUIRE(*SignSpending(ks, "j1", 1));
  fail = true;
  auto withheld = SignSpending(ks, "j2", 2);
  REQUIRE_FALSE(withheld.ok());
  CHECK(withheld.status().code() == Code::kStorage);
  CHECK(withheld.status().message().find("rollback anchor") != std::string::npos);
  // A lazy write does not need the anchor; the next synced one does again.
  Status lazy = ks.audit().Append(SignOf("refused"), AuditLog::Durability::kLazy);
  CHECK_MESSAGE(lazy.ok(), lazy.ToString());
  fail = false;
  auto later = SignSpending(ks, "j3", 3);
  REQUIRE_MESSAGE(later.ok(), later.status().ToString());
  CHECK(*later);
  // The withheld signature's spend was written: that hash stays spent (nothing signs twice).
  CHECK(*ks.replay().IsHashSpent("device-1", "j2", Bytes(32, 2)));
}

TEST_CASE("rollback: an anchor folder that does not exist keeps the token from opening") {
  TempDir dir;
  TestToken token = NewToken(dir);
  Status guarded = token.keystore->GuardRollback(
      MakeRollbackAnchorFile(dir.File("missing/anchor"), token.keystore->identity()));
  CHECK(guarded.code() == Code::kStorage);
  CHECK(guarded.message().find(dir.File("missing/anchor")) != std::string::npos);
}

TEST_CASE("rollback: an anchor that is not this token's raises the alarm; accepting rewrites it") {
  TempDir dir;
  TestToken token = NewToken(dir);
  token.keystore.reset();
  const std::string anchor = dir.File("anchor");
  SUBCASE("garbage") { std::ofstream(anchor) << std::string(300, 'x'); }
  SUBCASE("another token's") {
    TempDir other_dir;
    TestToken other = NewToken(other_dir);
    REQUIRE(
        other.keystore->GuardRollback(MakeRollbackAnchorFile(anchor, other.keystore->identity()))
            .ok());
  }
  auto ks = OpenGuarded(token, anchor);
  CHECK(ks->rollback_guard()->detected());
  CHECK(SignSpending(*ks, "j1", 1).status().code() == Code::kTampered);
  auto accepted = ks->AcceptRollback("anchor replaced by the operator");
  REQUIRE_MESSAGE(accepted.ok(), accepted.status().ToString());
  REQUIRE(*SignSpending(*ks, "j2", 2));  // j1's spend was written with its refusal
  ks.reset();
  CHECK_FALSE(OpenGuarded(token, anchor)->rollback_guard()->detected());
}

TEST_CASE("rollback: a torn anchor write falls back to the other slot, with no false alarm") {
  TempDir dir;
  TestToken token = NewToken(dir);
  token.keystore.reset();
  const std::string anchor = dir.File("anchor");
  {
    auto ks = OpenGuarded(token, anchor);
    for (int i = 0; i < 3; ++i)
      REQUIRE(*SignSpending(*ks, "j" + std::to_string(i), static_cast<uint8_t>(i)));
  }
  // The newest slot is the one written last; tear each in turn.
  for (int slot = 0; slot < 2; ++slot) {
    {
      std::fstream file(anchor, std::ios::in | std::ios::out | std::ios::binary);
      file.seekp(slot * 128 + 40);
      file.write("torn", 4);
    }
    auto ks = OpenGuarded(token, anchor);
    CHECK_FALSE(ks->rollback_guard()->detected());
    REQUIRE(*SignSpending(*ks, "k" + std::to_string(slot), static_cast<uint8_t>(10 + slot)));
  }
}

TEST_CASE("rollback: threads signing at once share the anchor with no false alarm") {
  TempDir dir;
  TestToken token = NewToken(dir);
  Keystore& ks = *token.keystore;
  REQUIRE(ks.GuardRollback(MakeRollbackAnchorFile(dir.File("anchor"), ks.identity())).ok());
  constexpr int kThreads = 8;
  constexpr int kEach = 25;
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string jti = "t" + std::to_string(t) + "-" + std::to_string(i);
        // Lazy records between the synced ones, as logins make.
        if (!ks.audit().Append(SignOf("login-" + jti), AuditLog::Durability::kLazy).ok()) {
          ++failed;
        }
        auto won = SignSpending(ks, jti, static_cast<uint8_t>(t));
        if (!won.ok() || !*won) ++failed;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(failed == 0);
  CHECK_FALSE(ks.rollback_guard()->detected());
  auto report = ks.audit().Verify();
  REQUIRE(report.ok());
  CHECK_MESSAGE(report->ok(), testing::Describe(*report));
}

TEST_CASE("rollback: processes sharing the token and the anchor raise no false alarm" *
          SqliteOnly()) {
  TempDir dir;
  TestToken token = NewToken(dir);
  token.keystore.reset();
  const std::string anchor = dir.File("anchor");
  OpenGuarded(token, anchor);  // writes the anchor first, so that every child finds one
  constexpr int kChildren = 3;
  std::vector<pid_t> children;
  for (int c = 0; c < kChildren; ++c) {
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      int code = 0;
      auto ks = OpenTestKeystore(token.path, token.master);
      if (!ks.ok() ||
          !(*ks)->GuardRollback(MakeRollbackAnchorFile(anchor, (*ks)->identity())).ok()) {
        _exit(2);
      }
      for (int i = 0; i < 30 && code == 0; ++i) {
        const std::string jti = "p" + std::to_string(c) + "-" + std::to_string(i);
        (void)(*ks)->audit().Append(SignOf("login-" + jti), AuditLog::Durability::kLazy);
        auto won = SignSpending(**ks, jti, static_cast<uint8_t>(c));
        if (!won.ok() || !*won) code = 1;
      }
      _exit(code);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  auto ks = OpenGuarded(token, anchor);
  CHECK_FALSE(ks->rollback_guard()->detected());
  CHECK(Records(*ks, audit_event::kRollbackDetected).empty());
}

TEST_CASE("rollback: accepting is refused where no anchor is configured, and nothing is written") {
  TempDir dir;
  TestToken token = NewToken(dir);
  auto before = token.keystore->audit().LastSeq();
  REQUIRE(before.ok());
  auto accepted = token.keystore->AcceptRollback("no anchor");
  REQUIRE_FALSE(accepted.ok());
  CHECK(accepted.status().code() == Code::kArgumentsBad);
  CHECK(accepted.status().message().find("names no rollback anchor") != std::string::npos);
  CHECK(*token.keystore->audit().LastSeq() == *before);
  CHECK(*token.keystore->SadNotBefore() == 0);
}

}  // namespace
}  // namespace samp11
