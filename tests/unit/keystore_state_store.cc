#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "keystore_test_util.h"
#include "state/sqlite/sqlite_state_store.h"

namespace samp11 {
namespace {

using testing::RawDb;
using testing::TempDir;

std::unique_ptr<StateStore> MustOpen(const std::string& path, bool create) {
  auto store = OpenSqliteStateStore(path, create);
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  return std::move(store).value();
}

SpentHashRow Spent(const std::string& jti, const std::string& hash, int64_t exp) {
  SpentHashRow row;
  row.kid = "kid-1";
  row.jti = jti;
  row.hash = ToBytes(hash);
  row.key_id = ToBytes("key");
  row.sad_exp = exp;
  row.spent_at = 1000;
  return row;
}

KeyRow Key(const std::string& id, const std::string& label, const std::string& owner) {
  KeyRow row;
  row.id = ToBytes(id);
  row.label = label;
  row.key_type = "ec-p256";
  row.owner = owner;
  row.scal = 2;
  row.policy_json = "{}";
  row.public_spki = ToBytes("spki");
  row.wrapped_private = ToBytes("wrapped");
  row.created = 1;
  return row;
}

void AddSigner(StateStore& store, const std::string& name) {
  SignerRow signer;
  signer.name = name;
  signer.created = 1;
  signer.mac = ToBytes("mac");
  REQUIRE(store.signers().InsertSigner(signer).ok());
}

TEST_CASE("state store: create makes a 0600 file and refuses an existing one") {
  TempDir dir;
  std::string path = dir.File("t.db");
  {
    auto store = MustOpen(path, true);
    struct stat st;
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    auto meta = store->meta().GetMeta("schema_version");
    REQUIRE(meta.ok());
    REQUIRE(meta->has_value());
    CHECK(**meta == "4");
  }
  auto again = OpenSqliteStateStore(path, true);
  CHECK(again.status().code() == Code::kAlreadyExists);
  CHECK(OpenSqliteStateStore(dir.File("missing.db"), false).status().code() == Code::kNotFound);
  MustOpen(path, false);
}

TEST_CASE("state store: another schema version, or not a keystore, is kConfig") {
  TempDir dir;
  std::string path = dir.File("t.db");
  MustOpen(path, true);
  {
    RawDb raw(path);
    raw.Exec("UPDATE meta SET value = '5' WHERE name = 'schema_version'");
  }
  auto opened = OpenSqliteStateStore(path, false);
  CHECK(opened.status().code() == Code::kConfig);

  std::string other = dir.File("other.db");
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(other.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "CREATE TABLE t(x)", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  CHECK(OpenSqliteStateStore(other, false).status().code() == Code::kConfig);
}

TEST_CASE("state store: the pragmas are in force") {
  TempDir dir;
  std::string path = dir.File("t.db");
  MustOpen(path, true);
  // WAL is a property of the file: a plain connection sees it.
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))) == "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST_CASE("state store: meta is write-once") {
  TempDir dir;
  auto store = MustOpen(dir.File("t.db"), true);
  REQUIRE(store->meta().InsertMeta("x", "1").ok());
  CHECK(store->meta().InsertMeta("x", "2").code() == Code::kAlreadyExists);
  CHECK(**store->meta().GetMeta("x") == "1");
  CHECK_FALSE(store->meta().GetMeta("y")->has_value());
}

TEST_CASE("state store: key rows, unique ids, owners must be signers, paging") {
  TempDir dir;
  auto store = MustOpen(dir.File("t.db"), true);
  AddSigner(*store, "alice");
  AddSigner(*store, "bob");

  std::vector<int64_t> handles;
  for (int i = 0; i < 7; ++i) {
    KeyRow row =
        Key("id" + std::to_string(i), i % 2 == 0 ? "even" : "odd", i < 4 ? "alice" : "bob");
    REQUIRE(store->keys().InsertKey(row).ok());
    CHECK(row.handle > 0);
    if (!handles.empty()) CHECK(row.handle > handles.back());
    handles.push_back(row.handle);
  }
  KeyRow duplicate = Key("id3", "x", "alice");
  CHECK(store->keys().InsertKey(duplicate).code() == Code::kAlreadyExists);
  KeyRow orphan = Key("orphan", "x", "nobody");
  CHECK(store->keys().InsertKey(orphan).code() == Code::kNotFound);

  auto by_id = store->keys().FindKeyById(ToBytes("id2"));
  REQUIRE(by_id.ok());
  REQUIRE(by_id->has_value());
  CHECK((*by_id)->handle == handles[2]);
  CHECK((*by_id)->wrapped_private == ToBytes("wrapped"));
  CHECK_FALSE(store->keys().FindKeyById(ToBytes("nope"))->has_value());
  CHECK((*store->keys().FindKeyByHandle(handles[5]))->id == ToBytes("id5"));

  // Paging: three at a time, resuming after the last handle seen.
  std::vector<int64_t> seen;
  int64_t after = 0;
  for (;;) {
    auto page = store->keys().ListKeys(after, 3);
    REQUIRE(page.ok());
    CHECK(page->size() <= 3);
    if (page->empty()) break;
    for (const KeyRow& row : *page) seen.push_back(row.handle);
    after = page->back().handle;
  }
  CHECK(seen == handles);

  auto even = store->keys().FindKeysByLabel("even", 0, 2);
  REQUIRE(even.ok());
  REQUIRE(even->size() == 2);
  CHECK((*even)[0].handle == handles[0]);
  CHECK((*even)[1].handle == handles[2]);
  auto even_rest = store->keys().FindKeysByLabel("even", (*even)[1].handle, 10);
  REQUIRE(even_rest->size() == 2);
  CHECK((*even_rest)[1].handle == handles[6]);

  auto bobs = store->keys().ListKeysByOwner("bob", 0, 100);
  REQUIRE(bobs->size() == 3);
  CHECK((*bobs)[0].handle == handles[4]);
}

TEST_CASE("state store: spent hashes are inserted once, survive reopening, and purge by exp") {
  TempDir dir;
  std::string path = dir.File("t.db");
  {
    auto store = MustOpen(path, true);
    auto first = store->replay().InsertSpentHash(Spent("j1", "h1", 100));
    REQUIRE(first.ok());
    CHECK(*first);
    auto second = store->replay().InsertSpentHash(Spent("j1", "h1", 100));
    REQUIRE(second.ok());
    CHECK_FALSE(*second);
    CHECK(*store->replay().InsertSpentHash(Spent("j1", "h2", 100)));
    CHECK(*store->replay().InsertSpentHash(Spent("j2", "h1", 300)));
  }
  auto store = MustOpen(path, false);
  CHECK(*store->replay().IsHashSpent("kid-1", "j1", ToBytes("h1")));
  CHECK_FALSE(*store->replay().IsHashSpent("kid-2", "j1", ToBytes("h1")));
  CHECK_FALSE(*store->replay().InsertSpentHash(Spent("j1", "h1", 100)));

  auto purged = store->replay().PurgeSpentHashes(200);
  REQUIRE(purged.ok());
  CHECK(*purged == 2);
  CHECK_FALSE(*store->replay().IsHashSpent("kid-1", "j1", ToBytes("h1")));
  CHECK(*store->replay().IsHashSpent("kid-1", "j2", ToBytes("h1")));
  CHECK(*store->replay().PurgeSpentHashes(200) == 0);
}

TEST_CASE("state store: two processes spending the same hash at once, exactly one wins") {
  TempDir dir;
  std::string path = dir.File("t.db");
  MustOpen(path, true);

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

TEST_CASE("state store: many threads on one store, each hash spent once") {
  TempDir dir;
  auto store = MustOpen(dir.File("t.db"), true);
  std::atomic<int> wins{0}, errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        auto spent = store->replay().InsertSpentHash(Spent("j", "h" + std::to_string(i), 100));
        if (!spent.ok()) {
          errors++;
        } else if (*spent) {
          wins++;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  CHECK(errors == 0);
  CHECK(wins == 20);
}

TEST_CASE("state store: certificates by key id and label, and only for existing keys") {
  TempDir dir;
  auto store = MustOpen(dir.File("t.db"), true);
  AddSigner(*store, "alice");
  KeyRow key = Key("k1", "key", "alice");
  REQUIRE(store->keys().InsertKey(key).ok());

  CertRow cert;
  cert.key_id = ToBytes("k1");
  cert.label = "cert";
  cert.der = ToBytes("der");
  cert.subject_text = "CN=Alice";
  REQUIRE(store->certs().InsertCert(cert).ok());
  CHECK(cert.handle > 0);
  CertRow second = cert;
  REQUIRE(store->certs().InsertCert(second).ok());
  CHECK(second.handle > cert.handle);

  CertRow orphan = cert;
  orphan.key_id = ToBytes("missing");
  CHECK(store->certs().InsertCert(orphan).code() == Code::kNotFound);

  CHECK(store->certs().FindCertsByKeyId(ToBytes("k1"))->size() == 2);
  CHECK((*store->certs().FindCertByHandle(cert.handle))->subject_text == "CN=Alice");
  auto page = store->certs().FindCertsByLabel("cert", cert.handle, 10);
  REQUIRE(page->size() == 1);
  CHECK((*page)[0].handle == second.handle);
  CHECK(store->certs().ListCerts(0, 1)->size() == 1);
}

}  // namespace
}  // namespace samp11
