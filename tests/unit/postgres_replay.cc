// The PostgreSQL state's first part, against a cluster of the test's own (support/pg_cluster.h):
// the connection (failures mapped, no secret in them, bounded in time, made again after a server
// restart, never half a transaction committed), the schema (made once under concurrent opens, a
// newer one refused) and the replay ledger (its contract; 3 processes of 8 threads racing for 300
// hashes: exactly one winner each).
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "state/postgres/pg_connection.h"
#include "state/postgres/pg_image.h"
#include "state/postgres/pg_replay.h"
#include "state/postgres/pg_schema.h"
#include "state/postgres/pg_state_store.h"
#include "tests/support/pg_cluster.h"

namespace samp11 {
namespace {

using testing::PgCluster;

// A database per case.
PgCluster& Cluster() { return testing::SharedPgCluster(); }

PgOptions NewDatabase(int timeout_seconds = 5) {
  static int next = 0;
  const std::string name = "case" + std::to_string(++next);
  Status created = Cluster().CreateDatabase(name);
  REQUIRE_MESSAGE(created.ok(), created.ToString());
  PgOptions options;
  options.conninfo = Cluster().ConnInfo(name);
  options.timeout_seconds = timeout_seconds;
  return options;
}

std::unique_ptr<PgConnection> Connect(const PgOptions& options) {
  auto connection = PgConnection::Connect(options);
  REQUIRE_MESSAGE(connection.ok(), connection.status().ToString());
  return std::move(connection).value();
}

std::unique_ptr<PgConnection> Migrated(const PgOptions& options) {
  auto connection = Connect(options);
  Status migrated = PgMigrate(*connection);
  REQUIRE_MESSAGE(migrated.ok(), migrated.ToString());
  return connection;
}

SpentHashRow Spent(const std::string& jti, const Bytes& hash, int64_t exp = 100) {
  SpentHashRow row;
  row.kid = "kid-1";
  row.jti = jti;
  row.hash = hash;
  row.key_id = Bytes{0x00, 0xff, 0x10, 0x00};  // a zero byte and a high one survive
  row.sad_exp = exp;
  row.spent_at = 50;
  return row;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST_CASE("postgres: the schema is made once, under nodes opening at once; a newer one refused") {
  const PgOptions options = NewDatabase();
  std::vector<std::thread> nodes;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i) {
    nodes.emplace_back([&] {
      auto connection = PgConnection::Connect(options);
      if (connection.ok() && PgMigrate(**connection).ok()) ++ok;
    });
  }
  for (std::thread& node : nodes) node.join();
  CHECK(ok == 4);
  auto connection = Connect(options);
  CHECK(*PgSchemaVersion(*connection) == kPgSchemaVersion);
  CHECK(PgMigrate(*connection).ok());  // again: nothing to do

  {
    auto lock = connection->Lock();
    REQUIRE(connection->ExecScript("test", "UPDATE samp11_schema SET version = 99").ok());
  }
  Status newer = PgMigrate(*connection);
  CHECK(newer.code() == Code::kConfig);
  CHECK(newer.message().find("version 99, newer than this samp11's") != std::string::npos);
}

TEST_CASE(
    "postgres: a schema-2 database gains signer_subjects and signer_otp; a schema-2 image still "
    "reads") {
  const PgOptions options = NewDatabase();
  auto connection = Migrated(options);
  {
    auto lock = connection->Lock();
    // Back to what version 2 made: no subjects table, no one-time-password table.
    REQUIRE(connection
                ->ExecScript("test",
                             "DROP TABLE signer_subjects; DROP TABLE signer_otp; "
                             "UPDATE samp11_schema SET version = 2")
                .ok());
  }
  CHECK(*PgSchemaVersion(*connection) == 2);
  REQUIRE(PgMigrate(*connection).ok());
  CHECK(*PgSchemaVersion(*connection) == 3);
  {
    auto lock = connection->Lock();
    for (const char* table : {"signer_subjects", "signer_otp"}) {
      auto rows = connection->Exec("test", std::string("SELECT count(*) FROM ") + table);
      REQUIRE(rows.ok());
      CHECK(rows->Int64(0, 0) == 0);
    }
  }
  // An image a version-2 node took has no signer_subjects or signer_otp: it is read, the tables
  // restore empty.
  std::string tables;
  for (const PgImageTable& table : kPgImageTables) {
    if (table.since > 2) continue;
    tables += std::string(tables.empty() ? "" : ",") + "\"" + table.name + "\":[]";
  }
  const std::string v2 = R"({"format":"samp11-postgres-state","schema_version":2,)"
                         R"("audit_last_seq":0,"handles":{"keys":0,"certs":0},"tables":{)" +
                         tables + "}}";
  auto secure = [](const std::string& text) {
    return SecureBytes(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  };
  Result<PgImage> image = PgReadImage(secure(v2));
  REQUIRE_MESSAGE(image.ok(), image.status().ToString());
  CHECK(image->tables.size() == sizeof kPgImageTables / sizeof kPgImageTables[0]);
  CHECK(image->tables.back() == "[]");
  // The same image claiming version 3 lacks a table of that version.
  const std::string v3 =
      std::string(v2).replace(v2.find("\"schema_version\":2"), 18, "\"schema_version\":3");
  CHECK(PgReadImage(secure(v3)).status().code() == Code::kArgumentsBad);
}

TEST_CASE("postgres: the replay ledger's contract") {
  auto connection = Migrated(NewDatabase());
  PgReplayStore replay(*connection);
  const Bytes h1{0x01, 0x00, 0x02}, h2{0xfe};
  CHECK(*replay.InsertSpentHash(Spent("j1", h1, 100)));
  CHECK_FALSE(*replay.InsertSpentHash(Spent("j1", h1, 999)));
  CHECK(*replay.InsertSpentHash(Spent("j1", h2, 200)));
  CHECK(*replay.IsHashSpent("kid-1", "j1", h1));
  CHECK_FALSE(*replay.IsHashSpent("kid-2", "j1", h1));
  CHECK_FALSE(*replay.IsHashSpent("kid-1", "j1", Bytes{0x01, 0x00}));
  CHECK(*replay.CountSpentHashes() == 2);
  CHECK(*replay.PurgeSpentHashes(200) == 1);
  CHECK_FALSE(*replay.IsHashSpent("kid-1", "j1", h1));
  CHECK(*replay.CountSpentHashes() == 1);
  {
    auto lock = connection->Lock();
    auto row = connection->Exec("test", "SELECT key_id FROM spent_hashes");
    REQUIRE(row.ok());
    CHECK(row->Blob(0, 0) == (Bytes{0x00, 0xff, 0x10, 0x00}));
  }
}

TEST_CASE("postgres: 3 processes of 8 threads race for 300 hashes: exactly one winner each") {
  const PgOptions options = NewDatabase();
  Migrated(options);
  constexpr int kProcesses = 3, kThreads = 8, kHashes = 300;
  std::vector<pid_t> children;
  std::vector<int> pipes;
  for (int p = 0; p < kProcesses; ++p) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(fds[0]);
      std::atomic<int> won{0}, failed{0};
      std::vector<std::thread> threads;
      for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
          auto connection = PgConnection::Connect(options);
          if (!connection.ok()) {
            failed += kHashes;
            return;
          }
          PgReplayStore replay(**connection);
          for (int i = 0; i < kHashes; ++i) {
            const int h = (i * 7 + t * 31 + p * 101) % kHashes;  // each thread its own order
            auto spent = replay.InsertSpentHash(Spent("race", Bytes{uint8_t(h >> 8), uint8_t(h)}));
            if (!spent.ok()) {
              ++failed;
            } else if (*spent) {
              ++won;
            }
          }
        });
      }
      for (std::thread& thread : threads) thread.join();
      const int counts[2] = {won.load(), failed.load()};
      const bool written = ::write(fds[1], counts, sizeof counts) == sizeof counts;
      ::_exit(written ? 0 : 1);
    }
    ::close(fds[1]);
    children.push_back(pid);
    pipes.push_back(fds[0]);
  }
  int won = 0, failed = 0;
  for (int p = 0; p < kProcesses; ++p) {
    int counts[2] = {0, 0};
    CHECK(::read(pipes[p], counts, sizeof counts) == sizeof counts);
    ::close(pipes[p]);
    int status = 0;
    REQUIRE(::waitpid(children[p], &status, 0) == children[p]);
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    won += counts[0];
    failed += counts[1];
  }
  CHECK(failed == 0);
  CHECK(won == kHashes);
  auto connection = Connect(options);
  PgReplayStore replay(*connection);
  CHECK(*replay.CountSpentHashes() == kHashes);
}

TEST_CASE("postgres: failures are precise, bounded in time, and say no secret") {
  const PgOptions options = NewDatabase(1);
  auto connection = Migrated(options);
  auto lock = connection->Lock();
  const std::string insert =
      "INSERT INTO spent_hashes VALUES('secret-kid', 'j', '\\x01', '\\x02', 1, 1)";
  REQUIRE(connection->ExecScript("test", insert).ok());
  Status twice = connection->ExecScript("spending", insert);
  CHECK(twice.code() == Code::kAlreadyExists);
  CHECK(twice.message().find("spent_hashes_pkey") != std::string::npos);
  CHECK(twice.message().find("secret-kid") == std::string::npos);  // the DETAIL is left out

  const auto start = std::chrono::steady_clock::now();
  auto slow = connection->Exec("sleeping", "SELECT pg_sleep(30)");
  CHECK(slow.status().code() == Code::kStorage);
  CHECK(slow.status().message().find("statement timeout") != std::string::npos);
  CHECK(SecondsSince(start) < 10);

  PgOptions nowhere;
  nowhere.conninfo = "host=127.0.0.1 port=1 user=postgres password=hunter2 dbname=x";
  nowhere.timeout_seconds = 2;
  auto refused = PgConnection::Connect(nowhere);
  CHECK(refused.status().code() == Code::kStorage);
  CHECK(refused.status().message().find("cannot connect") != std::string::npos);
  CHECK(refused.status().message().find("hunter2") == std::string::npos);
}

TEST_CASE("postgres: a connection string that cannot be read, holds a password, or a bad node") {
  CHECK(PgCheckConninfo(Cluster().ConnInfo()).ok());
  Status garbage = PgCheckConninfo("host=127.0.0.1 port");
  CHECK(garbage.code() == Code::kConfig);
  CHECK(garbage.message().find("cannot be read") != std::string::npos);
  for (const char* with_password :
       {"host=127.0.0.1 password=hunter2", "postgresql://samp11:hunter2@127.0.0.1/db"}) {
    Status refused = PgCheckConninfo(with_password);
    CHECK(refused.code() == Code::kConfig);
    CHECK(refused.message().find("holds a password") != std::string::npos);
    CHECK(refused.message().find("hunter2") == std::string::npos);
  }
  PgStateConfig config;
  config.options.conninfo = Cluster().ConnInfo();
  config.options.schema = "nodes_named";
  for (const std::string& node : {std::string(), std::string(65, 'n')}) {
    config.node = node;
    CHECK(PgStateLocation(config)->Create().status().code() == Code::kConfig);
  }
  config.options.schema = "Not A Schema";
  config.node = "node-a";
  CHECK(PgStateLocation(config)->Create().status().code() == Code::kConfig);
}

TEST_CASE("postgres: a broken connection never commits half a transaction") {
  auto connection = Migrated(NewDatabase());
  PgOptions admin;
  admin.conninfo = Cluster().ConnInfo();
  auto killer = Connect(admin);
  auto lock = connection->Lock();
  auto pid = connection->Exec("test", "SELECT pg_backend_pid()");
  REQUIRE(pid.ok());
  {
    auto tx = PgTransaction::Begin(*connection);
    REQUIRE(tx.ok());
    REQUIRE(
        connection
            ->ExecScript("first", "INSERT INTO spent_hashes VALUES('k','a','\\x01','\\x02',1,1)")
            .ok());
    {
      auto killer_lock = killer->Lock();
      REQUIRE(
          killer->Exec("test", "SELECT pg_terminate_backend($1)", PgParams().Text(pid->Text(0, 0)))
              .ok());
    }
    Status second = connection->ExecScript(
        "second", "INSERT INTO spent_hashes VALUES('k','b','\\x01','\\x02',1,1)");
    CHECK(second.code() == Code::kStorage);
    Status third = connection->ExecScript(
        "third", "INSERT INTO spent_hashes VALUES('k','c','\\x01','\\x02',1,1)");
    CHECK(third.code() == Code::kStorage);
    CHECK(third.message().find("broke in a transaction") != std::string::npos);
    CHECK((*tx)->Commit().code() == Code::kStorage);
  }
  // After the transaction the connection is made again, and nothing of it was written.
  auto count = connection->Exec("counting", "SELECT count(*) FROM spent_hashes");
  REQUIRE_MESSAGE(count.ok(), count.status().ToString());
  CHECK(count->Int64(0, 0) == 0);
}

TEST_CASE("postgres: a server that is down fails a spend fast; the store goes on when it is back") {
  const PgOptions options = NewDatabase(2);
  auto connection = Migrated(options);
  PgReplayStore replay(*connection);
  REQUIRE(*replay.InsertSpentHash(Spent("before", Bytes{1})));
  REQUIRE(Cluster().StopServer().ok());
  const auto start = std::chrono::steady_clock::now();
  auto down = replay.InsertSpentHash(Spent("during", Bytes{2}));
  CHECK(down.status().code() == Code::kStorage);
  CHECK(SecondsSince(start) < 15);
  REQUIRE(Cluster().StartServer().ok());
  auto after = replay.InsertSpentHash(Spent("after", Bytes{3}));
  REQUIRE_MESSAGE(after.ok(), after.status().ToString());
  CHECK(*after);
  CHECK(*replay.IsHashSpent("kid-1", "before", Bytes{1}));
  CHECK_FALSE(*replay.IsHashSpent("kid-1", "during", Bytes{2}));  // not acknowledged: not spent
  CHECK(*replay.InsertSpentHash(Spent("during", Bytes{2})));      // still signable
}

}  // namespace
}  // namespace samp11
