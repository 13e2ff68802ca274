// Faults of the database under a signing node (the built module over a token in PostgreSQL,
// pg_fault_node.h), against clusters of the test's own (support/pg_cluster.h): the server stopped
// and started mid-run; a server that does not answer (paused); a synchronous standby that stops
// confirming, then its primary killed and the standby promoted, mid-run. Each run checks what
// docs/keystore.md promises ("Faults of the database"): every signature released has its spend on
// the database (the new primary after a failover), no hash signs twice, a call during the outage
// fails with CKR_DEVICE_ERROR within a bound (a generous one: no timing is asserted), a SAD refused
// during the outage signs once the database is back unless its spend reached the database before
// the break (a lost acknowledgement: then it stays spent and never signs), and signing resumes by
// itself in the same module, with no C_Finalize or reopening.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "pg_fault_node.h"
#include "state/postgres/pg_connection.h"
#include "tests/support/pg_cluster.h"

namespace samp11 {
namespace {

using testing::PgCluster;
using testing::PgFaultNode;
using testing::SignAttempt;
using testing::SigningRun;

constexpr int kThreads = 4;
constexpr int kTimeoutSeconds = 2;
// Each condition the test waits for comes in well under a second; this only ends a broken run.
constexpr double kWaitSeconds = 60;

// A generous bound on a failed call: its statements and connection attempts each wait at most
// about the timeout, and it makes a handful of them.
double FailureBound(int timeout_seconds) { return 10.0 * timeout_seconds + 10; }

std::unique_ptr<PgCluster> StartCluster() {
  auto cluster = PgCluster::Start();
  REQUIRE_MESSAGE(cluster.ok(), cluster.status().ToString());
  return std::move(cluster).value();
}

std::unique_ptr<PgCluster> StartStandby(PgCluster& primary) {
  auto standby = primary.StartSyncStandby();
  REQUIRE_MESSAGE(standby.ok(), standby.status().ToString());
  return std::move(standby).value();
}

void Require(const Status& status) { REQUIRE_MESSAGE(status.ok(), status.ToString()); }

// What a database holds of a node's signatures: the hash spent under each jti, and how many
// "sign" records of outcome ok each jti has.
struct Ledger {
  std::map<std::string, Bytes> spent;
  std::map<std::string, int64_t> signed_ok;
};

Ledger ReadLedger(const PgOptions& options, const std::string& kid) {
  auto connection = PgConnection::Connect(options);
  REQUIRE_MESSAGE(connection.ok(), connection.status().ToString());
  auto lock = (*connection)->Lock();
  Ledger ledger;
  auto spent = (*connection)
                   ->Exec("spent", "SELECT jti, hash FROM spent_hashes WHERE kid = $1",
                          PgParams().Text(kid));
  REQUIRE_MESSAGE(spent.ok(), spent.status().ToString());
  for (int i = 0; i < spent->size(); ++i) ledger.spent[spent->Text(i, 0)] = spent->Blob(i, 1);
  auto records = (*connection)
                     ->Exec("records",
                            "SELECT jti, count(*) FROM audit_log WHERE event = 'sign' "
                            "AND outcome = 'ok' GROUP BY jti");
  REQUIRE_MESSAGE(records.ok(), records.status().ToString());
  for (int i = 0; i < records->size(); ++i) {
    ledger.signed_ok[records->Text(i, 0)] = records->Int64(i, 1);
  }
  return ledger;
}

// The run's attempts against the database the node uses now (conninfo), and the failed SADs tried
// again. Returns how many of those were lost acknowledgements (spent without a signature).
int CheckRun(PgFaultNode& node, const std::vector<SignAttempt>& attempts,
             const std::string& conninfo, int timeout_seconds) {
  const PgOptions db = node.OptionsFor(conninfo);
  const Ledger ledger = ReadLedger(db, node.kid());
  std::map<std::string, int> released;
  std::vector<SignAttempt> failed;
  for (const SignAttempt& attempt : attempts) {
    if (attempt.rv == CKR_OK) {
      ++released[attempt.jti];
      CHECK_MESSAGE(node.Verifies(attempt), attempt.jti);
      // Released, so acknowledged: its spend and its record are on this database.
      auto spent = ledger.spent.find(attempt.jti);
      CHECK_MESSAGE((spent != ledger.spent.end() && spent->second == attempt.hash), attempt.jti);
      auto record = ledger.signed_ok.find(attempt.jti);
      CHECK_MESSAGE((record != ledger.signed_ok.end() && record->second == 1), attempt.jti);
    } else {
      CHECK_MESSAGE(attempt.rv == CKR_DEVICE_ERROR, attempt.jti << " failed with " << attempt.rv);
      CHECK_MESSAGE(attempt.seconds < FailureBound(timeout_seconds),
                    attempt.jti << " took " << attempt.seconds << " s");
      failed.push_back(attempt);
    }
  }
  // (No structured bindings: doctest's checks are lambdas, which cannot capture them in C++17.)
  for (const auto& entry : released) CHECK_MESSAGE(entry.second == 1, entry.first);
  REQUIRE(!failed.empty());

  // Once the database is back, a SAD refused during the outage signs, unless its spend reached
  // the database before the break; a released one never signs again.
  int lost_acks = 0;
  int signed_after = 0;
  for (SignAttempt& attempt : failed) {
    const bool spent = ledger.spent.count(attempt.jti) == 1;
    node.Sign(attempt);
    if (spent) {
      ++lost_acks;
      CHECK_MESSAGE(attempt.rv != CKR_OK, attempt.jti << " was spent and signed again");
    } else {
      CHECK_MESSAGE(attempt.rv == CKR_OK, attempt.jti << " was refused: " << attempt.rv);
      if (attempt.rv == CKR_OK) {
        CHECK(node.Verifies(attempt));
        ++signed_after;
      }
    }
  }
  int again = 0;
  for (SignAttempt attempt : attempts) {
    if (attempt.rv != CKR_OK || ++again > 10) continue;
    node.Sign(attempt);
    CHECK_MESSAGE(attempt.rv != CKR_OK, attempt.jti << " signed twice");
  }
  // The log agrees: no jti has two "sign" records of outcome ok.
  for (const auto& entry : ReadLedger(db, node.kid()).signed_ok) {
    CHECK_MESSAGE(entry.second == 1, entry.first << " has " << entry.second << " ok sign records");
  }
  // The node's chain holds together across the outage: each record continues the one before
  // (what was written lazily and lost with a primary is simply not there; no record is half there).
  int64_t records = 0;
  CHECK_MESSAGE(node.VerifyAudit(conninfo, &records) == "", "the audit chain");
  CHECK(records > static_cast<int64_t>(released.size()));
  MESSAGE(released.size() << " released during the run, " << failed.size() << " refused during "
                          << "the outage: " << signed_after << " signed after it, " << lost_acks
                          << " spent by a lost acknowledgement");
  return lost_acks;
}

// Waits until every thread released a signature since before, and all together enough.
bool Resumes(const SigningRun& run, const std::vector<int>& before) {
  return SigningRun::WaitUntil(
      [&] {
        const std::vector<int> now = run.ReleasedPerThread();
        int more = 0;
        for (size_t i = 0; i < now.size(); ++i) {
          if (now[i] <= before[i]) return false;
          more += now[i] - before[i];
        }
        return more >= 20;
      },
      kWaitSeconds);
}

// One cluster for the cases that stop or pause it, a database each.
PgCluster& Cluster() { return testing::SharedPgCluster(); }

std::string NewDatabase(const std::string& name) {
  Require(Cluster().CreateDatabase(name));
  return Cluster().ConnInfo(name);
}

TEST_CASE("postgres faults: the server stopped and started mid-run") {
  const std::string conninfo = NewDatabase("restart");
  PgFaultNode node(conninfo, kTimeoutSeconds);
  SigningRun run(node, kThreads);
  REQUIRE(SigningRun::WaitUntil([&] { return run.released() >= 20; }, kWaitSeconds));
  Require(Cluster().StopServer());
  const int failed = run.failed();
  REQUIRE(SigningRun::WaitUntil([&] { return run.failed() >= failed + 8; }, kWaitSeconds));
  Require(Cluster().StartServer());
  REQUIRE(Resumes(run, run.ReleasedPerThread()));
  run.Stop();
  CheckRun(node, run.attempts(), conninfo, kTimeoutSeconds);

  // A restart while the node is idle: the connection the server cut is made again before the
  // next statement is sent, so the first signature after it signs.
  Require(Cluster().StopServer());
  Require(Cluster().StartServer());
  SignAttempt next = node.NewAttempt("after-idle-restart");
  node.Sign(next);
  CHECK(next.rv == CKR_OK);
}

TEST_CASE("postgres faults: a server that does not answer fails signatures in bounded time") {
  constexpr int kTimeout = 1;
  const std::string conninfo = NewDatabase("pause");
  PgFaultNode node(conninfo, kTimeout);
  SignAttempt first = node.NewAttempt("before");
  node.Sign(first);
  REQUIRE(first.rv == CKR_OK);

  Require(Cluster().Pause());
  // Many threads at once: those that queue behind the one waiting for an answer must not each
  // wait out the timeout in turn (16 in turn would take 16 times the time it takes one).
  constexpr int kPausedThreads = 16;
  std::vector<SignAttempt> paused;
  for (int i = 0; i < kPausedThreads; ++i) {
    paused.push_back(node.NewAttempt("paused-" + std::to_string(i)));
  }
  {
    std::vector<std::thread> threads;
    for (SignAttempt& attempt : paused) threads.emplace_back([&] { node.Sign(attempt); });
    for (std::thread& thread : threads) thread.join();
  }
  Require(Cluster().Resume());
  double slowest = 0;
  for (const SignAttempt& attempt : paused) {
    CHECK_MESSAGE(attempt.rv == CKR_DEVICE_ERROR, attempt.jti << ": " << attempt.rv);
    CHECK_MESSAGE(attempt.seconds < FailureBound(kTimeout), attempt.seconds << " s");
    slowest = std::max(slowest, attempt.seconds);
  }
  MESSAGE("the slowest of " << kPausedThreads << " signatures failed after " << slowest << " s");

  SignAttempt next = node.NewAttempt("after");
  node.Sign(next);
  CHECK(next.rv == CKR_OK);
  // A SAD refused while the server was paused: its COMMIT may have been sent and run once the
  // server went on (a lost acknowledgement), so it signs now or is refused as spent, never both.
  for (SignAttempt& attempt : paused) node.Sign(attempt);
  for (const auto& entry : ReadLedger(node.OptionsFor(conninfo), node.kid()).signed_ok) {
    CHECK_MESSAGE(entry.second == 1, entry.first);
  }
}

TEST_CASE("postgres faults: the primary killed and its synchronous standby promoted mid-run") {
  constexpr int kTimeout = 1;
  auto primary = StartCluster();
  Require(primary->CreateDatabase("faults"));
  auto standby = StartStandby(*primary);
  PgFaultNode node(PgCluster::MultiHostConnInfo({primary.get(), standby.get()}, "faults"),
                   kTimeout);
  SigningRun run(node, kThreads);
  REQUIRE(SigningRun::WaitUntil([&] { return run.released() >= 20; }, kWaitSeconds));
  // First the standby stops confirming: the primary's commits wait for it, and no signature whose
  // spend it has not confirmed may leave (whatever the server's own timeouts do); then the primary
  // is lost with those commits in flight, and the standby, which may or may not have received
  // them, is promoted.
  Require(standby->Pause());
  const int failed = run.failed();
  REQUIRE(SigningRun::WaitUntil([&] { return run.failed() >= failed + 2; }, kWaitSeconds));
  Require(primary->KillServer());
  Require(standby->Resume());
  Require(standby->Promote());
  REQUIRE(Resumes(run, run.ReleasedPerThread()));
  run.Stop();
  // Every spend acknowledged by the old primary is on the new one.
  CheckRun(node, run.attempts(), standby->ConnInfo("faults"), kTimeout);
}

}  // namespace
}  // namespace samp11
