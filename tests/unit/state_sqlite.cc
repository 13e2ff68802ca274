// What only the SQLite state has: a file of mode 0600, a schema version, WAL, and processes
// sharing one file. Everything else is in the shared suites (state_*.cc).
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <vector>

#include "state/sqlite/sqlite_state_store.h"
#include "state_test_util.h"
#include "tests/support/sqlite_file.h"

namespace samp11 {
namespace {

using testing::Must;
using testing::Spent;
using testing::TempFolder;

void Exec(const std::string& path, const char* sql) { testing::SqliteFile(path).Exec(sql); }

TEST_CASE("sqlite state: create makes a 0600 file of the current schema, once") {
  TempFolder dir;
  std::string path = dir.File("t.db");
  {
    auto store = Must(OpenSqliteStateStore(path, true));
    struct stat st;
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    auto meta = Must(store->meta().GetMeta("schema_version"));
    REQUIRE(meta.has_value());
    CHECK(*meta == "6");
  }
  CHECK(OpenSqliteStateStore(path, true).status().code() == Code::kAlreadyExists);
  CHECK(OpenSqliteStateStore(dir.File("missing.db"), false).status().code() == Code::kNotFound);
  Must(OpenSqliteStateStore(path, false));
}

TEST_CASE("sqlite state: another schema version, or not a keystore, is kConfig") {
  TempFolder dir;
  std::string path = dir.File("t.db");
  Must(OpenSqliteStateStore(path, true));
  Exec(path, "UPDATE meta SET value = '7' WHERE name = 'schema_version'");
  CHECK(OpenSqliteStateStore(path, false).status().code() == Code::kConfig);

  std::string other = dir.File("other.db");
  testing::SqliteFile(other, testing::SqliteFile::Missing::kCreate).Exec("CREATE TABLE t(x)");
  CHECK(OpenSqliteStateStore(other, false).status().code() == Code::kConfig);
}

TEST_CASE(
    "sqlite state: a schema-5 file gains the signer_subjects and signer_otp tables, rows kept") {
  TempFolder dir;
  std::string path = dir.File("t.db");
  {
    auto store = Must(OpenSqliteStateStore(path, true));
    testing::MustOk(store->signers().InsertSigner(testing::Signer("alice")));
  }
  Exec(path, "DROP TABLE signer_subjects");  // schema 5 had neither table
  Exec(path, "DROP TABLE signer_otp");
  Exec(path, "UPDATE meta SET value = '5' WHERE name = 'schema_version'");
  auto store = Must(OpenSqliteStateStore(path, false));
  CHECK(store->maintenance().MigratedFromSchema() == 5);
  CHECK(*Must(store->meta().GetMeta("schema_version")) == "6");
  CHECK(Must(store->signers().FindSigner("alice")).has_value());
  testing::MustOk(
      store->signers().InsertSignerSubject(testing::Subject("https://idp", "s", "alice")));
  CHECK(Must(store->signers().FindSignerSubject("https://idp", "s")).has_value());
}

TEST_CASE("sqlite state: the file is in WAL mode") {
  TempFolder dir;
  std::string path = dir.File("t.db");
  Must(OpenSqliteStateStore(path, true));
  // WAL is a property of the file: a plain connection sees it.
  CHECK(testing::SqliteFile(path).QueryText("PRAGMA journal_mode") == "wal");
}

TEST_CASE("sqlite state: a status MAC stored as NULL (before schema 3) is filled") {
  TempFolder dir;
  std::string path = dir.File("t.db");
  auto store = Must(OpenSqliteStateStore(path, true));
  testing::MustOk(store->signers().InsertSigner(testing::Signer("alice")));
  Exec(path, "UPDATE signers SET status_mac = NULL");
  LifecycleMacs macs;
  macs.signer = [](const SignerRow&) -> Result<Bytes> { return ToBytes("filled"); };
  macs.key = [](const KeyRow&) -> Result<Bytes> { return ToBytes("unused"); };
  macs.cert = [](const CertRow&) -> Result<Bytes> { return ToBytes("unused"); };
  CHECK(Must(store->maintenance().FillMissingLifecycleMacs(macs)) == 1);
  CHECK(Must(store->signers().FindSigner("alice"))->status_mac == ToBytes("filled"));
}

TEST_CASE("sqlite state: MigratedFromSchema says which open migrated the file, and from what") {
  TempFolder dir;
  std::string path = dir.File("t.db");
  CHECK(Must(OpenSqliteStateStore(path, true))->maintenance().MigratedFromSchema() == 0);
  CHECK(Must(OpenSqliteStateStore(path, false))->maintenance().MigratedFromSchema() == 0);
  // Back to what schema 3 wrote (no activation requests, no activation key status): the next
  // open migrates from 3.
  Exec(path, "DROP TABLE signer_otp");
  Exec(path, "ALTER TABLE activation_keys DROP COLUMN status");
  Exec(path, "ALTER TABLE activation_keys DROP COLUMN status_changed");
  Exec(path, "DROP TABLE sad_requests");
  Exec(path, "DROP TABLE signer_subjects");
  Exec(path, "UPDATE meta SET value = '3' WHERE name = 'schema_version'");
  CHECK(Must(OpenSqliteStateStore(path, false))->maintenance().MigratedFromSchema() == 3);
  CHECK(Must(OpenSqliteStateStore(path, false))->maintenance().MigratedFromSchema() == 0);
  // A version claimed older than the file is (to have its rows re-MAC'd): the migration's
  // ALTER TABLE finds the columns there and the open fails; nothing is filled.
  Exec(path, "UPDATE meta SET value = '2' WHERE name = 'schema_version'");
  CHECK_FALSE(OpenSqliteStateStore(path, false).ok());
}

TEST_CASE(
    "sqlite state: a schema-5 file gets the signer_otp table (and signer_subjects), its rows "
    "kept") {
  TempFolder dir;
  std::string path = dir.File("t.db");
  {
    auto store = Must(OpenSqliteStateStore(path, true));
    testing::MustOk(store->signers().InsertSigner(testing::Signer("alice")));
  }
  Exec(path, "DROP TABLE signer_subjects");  // schema 5 had neither table
  Exec(path, "DROP TABLE signer_otp");
  Exec(path, "UPDATE meta SET value = '5' WHERE name = 'schema_version'");
  auto store = Must(OpenSqliteStateStore(path, false));
  CHECK(store->maintenance().MigratedFromSchema() == 5);
  CHECK(Must(store->meta().GetMeta("schema_version")) == std::optional<std::string>("6"));
  CHECK(Must(store->signers().FindSigner("alice")).has_value());
  SignerOtpRow row;
  row.name = "alice";
  row.kind = "totp";
  row.params = "SHA1:6:30";
  row.wrapped_secret = ToBytes("wrapped");
  testing::MustOk(store->otp().UpsertSignerOtp(row));
  CHECK(Must(store->otp().FindSignerOtp("alice", "totp")).has_value());
}

TEST_CASE("sqlite state: two processes spending the same hash at once, exactly one wins") {
  TempFolder dir;
  std::string path = dir.File("t.db");
  Must(OpenSqliteStateStore(path, true));

  for (int round = 0; round < 5; ++round) {
    const std::string jti = "race-" + std::to_string(round);
    int gate[2];
    REQUIRE(::pipe(gate) == 0);
    std::vector<pid_t> children;
    for (int c = 0; c < 2; ++c) {
      pid_t pid = ::fork();
      REQUIRE(pid >= 0);
      if (pid == 0) {
        // Child: its own connection, opened before the gate so both race on the insert itself.
        ::close(gate[1]);
        auto store = OpenSqliteStateStore(path, false);
        if (!store.ok()) ::_exit(3);
        char byte;
        if (::read(gate[0], &byte, 1) < 0) ::_exit(4);
        auto spent = (*store)->replay().InsertSpentHash(Spent(jti, "same-hash", 100));
        if (!spent.ok()) ::_exit(2);
        ::_exit(*spent ? 0 : 1);
      }
      children.push_back(pid);
    }
    ::close(gate[0]);
    ::close(gate[1]);  // EOF releases both children at once
    int winners = 0, losers = 0;
    for (pid_t pid : children) {
      int status = 0;
      REQUIRE(::waitpid(pid, &status, 0) == pid);
      REQUIRE(WIFEXITED(status));
      int code = WEXITSTATUS(status);
      REQUIRE_MESSAGE((code == 0 || code == 1), "child exit code " << code);
      (code == 0 ? winners : losers)++;
    }
    CHECK(winners == 1);
    CHECK(losers == 1);
  }
}

}  // namespace
}  // namespace samp11
