// Helpers for the keystore and config tests: a temporary folder, a ready master key, the token
// state they run on, and a second raw SQLite connection to play the attacker who edits the token
// file behind the module's back.
//
// The state: SAMP11_TEST_STATE=sqlite (the default) puts each token in a SQLite file at its path;
// SAMP11_TEST_STATE=memory in the memory state of that name (state/memory/memory_state.h), so
// that the keystore is seen to work unchanged on either. CTest runs unit_keystore once with each
// (tests/unit/CMakeLists.txt). Test cases that work on the SQLite file itself (RawDb, its bytes,
// its schema versions, processes sharing it) are marked SqliteOnly() and left out of the memory
// run; RawDb refuses to run there, so an unmarked one fails instead of passing unseen.
#pragma once

#include <doctest/doctest.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include "common/bytes.h"
#include "config/config.h"
#include "keystore/keystore.h"
#include "keystore/master_key.h"
#include "state/memory/memory_state.h"
#include "temp_dir.h"
#include "tests/support/sqlite_file.h"
#include "token/open_keystore.h"

namespace samp11::testing {

enum class TestState { kSqlite, kMemory };

// SAMP11_TEST_STATE as read, none if it names no state.
inline std::optional<TestState> TestStateSetting() {
  static const std::optional<TestState> kind = []() -> std::optional<TestState> {
    const char* value = std::getenv("SAMP11_TEST_STATE");
    if (value == nullptr || std::string(value) == "sqlite") return TestState::kSqlite;
    if (std::string(value) == "memory") return TestState::kMemory;
    return std::nullopt;
  }();
  return kind;
}
inline TestState TestStateKind() {
  std::optional<TestState> kind = TestStateSetting();
  REQUIRE_MESSAGE(kind.has_value(), "SAMP11_TEST_STATE must be sqlite or memory");
  return *kind;
}

// Marks a test case that works on the SQLite file itself: TEST_CASE("..." * SqliteOnly()).
inline doctest::test_suite SqliteOnly() { return doctest::test_suite("sqlite-only"); }

// The memory states of SAMP11_TEST_STATE=memory, named by token paths.
inline MemoryStateSpace& TestMemorySpace() {
  static const std::shared_ptr<MemoryStateSpace> space = NewMemoryStateSpace();
  return *space;
}

// A temporary folder; in the memory run, the states named by paths in it go with it.
class TempDir : public TempFolder {
 public:
  ~TempDir() override {
    // Not TestStateKind(): a destructor must not throw a failed REQUIRE.
    if (TestStateSetting() == TestState::kMemory) TestMemorySpace().Forget(path() + "/");
  }
};

// Where the token at path keeps its state, for the state the tests run on.
inline std::unique_ptr<StateLocation> TestLocation(const std::string& path) {
  if (TestStateKind() == TestState::kMemory) return TestMemorySpace().Location(path);
  return KeystoreLocation(path);
}

// OpenKeystoreAt and CreateKeystoreAt (token/open_keystore.h), on the state the tests run on.
inline Result<std::unique_ptr<Keystore>> OpenTestKeystore(const std::string& path,
                                                          const MasterKeySource& master,
                                                          const Clock& clock = DefaultClock()) {
  if (TestStateKind() == TestState::kSqlite) return OpenKeystoreAt(path, master, clock);
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> store, TestLocation(path)->Open());
  return Keystore::Open(std::move(store), master, clock);
}
inline Result<std::unique_ptr<Keystore>> CreateTestKeystore(const std::string& path,
                                                            const MasterKeySource& master,
                                                            const std::string& label,
                                                            const Clock& clock = DefaultClock()) {
  if (TestStateKind() == TestState::kSqlite) return CreateKeystoreAt(path, master, label, clock);
  return Keystore::Create(*TestLocation(path), master, label, clock);
}

inline MasterKeySource NewKeyFile(const TempFolder& dir, const std::string& name = "master.key") {
  MasterKeySource source;
  source.kind = MasterKeySource::Kind::kKeyFile;
  source.location = dir.File(name);
  Status created = CreateMasterKeyFile(source.location);
  REQUIRE_MESSAGE(created.ok(), created.ToString());
  return source;
}

// A token with a key-file master key, created in dir.
struct TestToken {
  MasterKeySource master;
  std::string path;
  std::unique_ptr<Keystore> keystore;
};

inline TestToken NewToken(const TempFolder& dir, const std::string& label = "test",
                          const Clock& clock = DefaultClock()) {
  TestToken token;
  token.master = NewKeyFile(dir);
  token.path = dir.File("token.db");
  auto created = CreateTestKeystore(token.path, token.master, label, clock);
  REQUIRE_MESSAGE(created.ok(), created.status().ToString());
  token.keystore = std::move(created).value();
  return token;
}

// A second store on the token's state, beside the keystore's own: for reading rows as stored
// (another process's view), never authenticated.
inline std::unique_ptr<StateStore> RawStore(const std::string& path) {
  auto store = TestLocation(path)->Open();
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  return std::move(store).value();
}

// The attacker's connection: plain SQLite, no samp11 code.
// The signature journal (state/journal/) keeps a token's newest audit records and spends beside
// its file until they are folded into it, and reading the audit log folds them: a test that edits
// those rows in the file folds first, as an attacker finds them once the processes have stopped.
inline void FoldJournal(Keystore& ks) { REQUIRE(ks.audit().CheckWritable().ok()); }

class RawDb : public SqliteFile {
 public:
  explicit RawDb(const std::string& path) : SqliteFile(CheckedPath(path)) {}

 private:
  static const std::string& CheckedPath(const std::string& path) {
    REQUIRE_MESSAGE(TestStateKind() == TestState::kSqlite,
                    "RawDb edits the SQLite file: mark the test case SqliteOnly()");
    return path;
  }
};

inline std::string HexLiteral(const Bytes& b) { return "x'" + HexEncode(b) + "'"; }

// Turns a current token file back into what schema version 5 wrote (no subjects, no one-time
// passwords).
inline void MakeSchemaVersion5(RawDb& raw) {
  raw.Exec("DROP TABLE signer_subjects");
  raw.Exec("DROP TABLE signer_otp");
  raw.Exec("UPDATE meta SET value = '5' WHERE name = 'schema_version'");
}

// Turns a current token file back into what schema version 4 wrote (no activation key status).
inline void MakeSchemaVersion4(RawDb& raw) {
  MakeSchemaVersion5(raw);
  raw.Exec("ALTER TABLE activation_keys DROP COLUMN status");
  raw.Exec("ALTER TABLE activation_keys DROP COLUMN status_changed");
  raw.Exec("UPDATE meta SET value = '4' WHERE name = 'schema_version'");
}

// Turns a current token file back into what schema version 3 wrote (no activation requests).
inline void MakeSchemaVersion3(RawDb& raw) {
  MakeSchemaVersion4(raw);
  raw.Exec("DROP TABLE sad_requests");
  raw.Exec("UPDATE meta SET value = '3' WHERE name = 'schema_version'");
}

// Turns a current token file back into what schema version 2 wrote (no lifecycle columns).
inline void MakeSchemaVersion2(RawDb& raw) {
  MakeSchemaVersion3(raw);
  for (const char* column : {"status", "status_changed", "status_mac"}) {
    raw.Exec(std::string("ALTER TABLE signers DROP COLUMN ") + column);
  }
  for (const char* column : {"status", "status_changed", "certified", "status_mac"}) {
    raw.Exec(std::string("ALTER TABLE keys DROP COLUMN ") + column);
  }
  raw.Exec("ALTER TABLE certs DROP COLUMN mac");
  raw.Exec("UPDATE meta SET value = '2' WHERE name = 'schema_version'");
}

}  // namespace samp11::testing
