// Hand edits of the token file are seen at the next check (issue 21), by a process that already
// used the rows ("warm": its keystore keeps unwrapped keys, key states, lookups and activation
// keys while KeyStateVersion stays the same) as by one that opens the file after the edit
// ("cold"). The attacker writes the file with a plain SQLite connection and has no master key.
// The checks are the keystore's answers to what C_SignInit (FindKeyByHandle, CheckKeyUsable),
// C_Sign (Unwrap, CheckKeyUsable) and a SAD's verification (GetActivationKey) ask.
#include <doctest/doctest.h>

#include <ctime>
#include <functional>

#include "crypto/keys.h"
#include "keystore/keystore.h"
#include "keystore_test_util.h"

namespace samp11 {
namespace {

using testing::HexLiteral;
using testing::NewToken;
using testing::RawDb;
using testing::TempDir;
using testing::TestToken;

int64_t Now() { return static_cast<int64_t>(time(nullptr)); }

// Signers alice and mallory; alice has a SCAL2 key, a SCAL1 key and a device key "dev", mallory
// a SCAL2 key; an authorization server has the key "as".
struct Fixture {
  TempDir dir;
  TestToken token;
  KeyInfo scal2;
  KeyInfo scal1;
  KeyInfo mallory_key;
  bool warm = false;

  Fixture() {
    token = NewToken(dir);
    Keystore& k = ks();
    REQUIRE(k.signers().AddSigner("alice").ok());
    REQUIRE(k.signers().AddSigner("mallory").ok());
    scal2 = Must(k.keys().GenerateKey("alice", KeyType::kEcP256, "alice", 2)).info;
    ActivationLimits limits;
    limits.max_signatures = 5;
    scal1 = Must(k.keys().GenerateKey("alice", KeyType::kEcP256, "seal", 1, Bytes(), limits)).info;
    mallory_key = Must(k.keys().GenerateKey("mallory", KeyType::kEcP256, "mallory", 2)).info;
    auto device = GenerateKey(KeyType::kEcP256);
    REQUIRE(device.ok());
    REQUIRE(k.signers()
                .AddActivationKey(ActivationKeyRole::kDevice, "alice", device->get(), "dev")
                .ok());
    auto server = GenerateKey(KeyType::kEcP256);
    REQUIRE(server.ok());
    REQUIRE(k.signers()
                .AddActivationKey(ActivationKeyRole::kAuthorizationServer, "issuer", server->get(),
                                  "as")
                .ok());
  }

  template <typename T>
  static T Must(Result<T> result) {
    REQUIRE_MESSAGE(result.ok(), result.status().ToString());
    return std::move(result).value();
  }

  Keystore& ks() { return *token.keystore; }

  // Warm: every key is taken through what a signature asks of the keystore, and the SAD's
  // activation keys looked up, as a signing process does, so that all of it is kept. Cold: the
  // keystore is closed before the edit and opened after it (AfterEdit).
  void BeforeEdit() {
    if (!warm) {
      token.keystore.reset();
      return;
    }
    for (const KeyInfo* key : {&scal2, &scal1, &mallory_key}) {
      REQUIRE(ks().keys().FindKeyByHandle(key->handle).ok());
      REQUIRE(ks().keys().CheckKeyUsable(key->id, Now(), false).ok());
      REQUIRE(ks().keys().Unwrap(key->handle).ok());
      REQUIRE(ks().keys().CheckKeyUsable(key->id, Now(), false).ok());
    }
    REQUIRE(ks().signers().GetActivationKey("dev").ok());
    REQUIRE(ks().signers().GetActivationKey("as").ok());
  }

  void Edit(const std::string& sql) {
    RawDb raw(token.path);
    raw.Exec(sql);
    REQUIRE(raw.Changes() > 0);
  }

  Keystore& AfterEdit() {
    if (!warm) {
      auto opened = testing::OpenTestKeystore(token.path, token.master);
      REQUIRE_MESSAGE(opened.ok(), opened.status().ToString());
      token.keystore = std::move(opened).value();
    }
    return ks();
  }

  static std::string Where(const KeyInfo& key) { return " WHERE id = " + HexLiteral(key.id); }
};

void CheckTampered(const Status& status, const std::string& names) {
  CHECK_MESSAGE(status.code() == Code::kTampered, status.ToString());
  CHECK_MESSAGE(status.message().find(names) != std::string::npos, status.ToString());
  CHECK(status.message().find("failed its integrity check") != std::string::npos);
}

using EditFn = std::function<void(Fixture&)>;

EditFn Sql(std::string sql) {
  return [sql](Fixture& f) { f.Edit(sql); };
}

// Runs check after edit in a warm and in a cold process, each on a token of its own.
void InEachProcess(const EditFn& edit, const std::function<void(Fixture&, Keystore&)>& check) {
  for (bool warm : {true, false}) {
    CAPTURE(warm);
    Fixture f;
    f.warm = warm;
    f.BeforeEdit();
    edit(f);
    check(f, f.AfterEdit());
  }
}

enum class Step { kSignInit, kSign };

// C_SignInit's and C_Sign's questions about the key (the one at Fixture::*member) are kTampered
// after the edit, naming the key; the other keys still answer.
void CheckKeyEditSeen(const EditFn& edit, KeyInfo Fixture::*member) {
  for (Step step : {Step::kSignInit, Step::kSign}) {
    CAPTURE(static_cast<int>(step));
    InEachProcess(edit, [&](Fixture& f, Keystore& ks) {
      const KeyInfo& key = f.*member;
      const std::string name = "key " + HexEncode(key.id);
      if (step == Step::kSignInit) {
        CheckTampered(ks.keys().FindKeyByHandle(key.handle).status(), name);
        CheckTampered(ks.keys().CheckKeyUsable(key.id, Now(), false), name);
      } else {
        // A kept unwrapped key may answer Unwrap, but the check beside it refuses, and drops it.
        (void)ks.keys().Unwrap(key.handle);
        CheckTampered(ks.keys().CheckKeyUsable(key.id, Now(), false), name);
        CheckTampered(ks.keys().Unwrap(key.handle).status(), name);
      }
      CheckTampered(ks.keys().CheckKeyUsable(key.id, Now(), false), name);  // and stays so
      CHECK(ks.keys().CheckKeyUsable(f.mallory_key.id, Now(), false).ok());
      CHECK(ks.keys().Unwrap(f.mallory_key.handle).ok());
    });
  }
}

TEST_CASE("edits seen: a key given to another signer" * testing::SqliteOnly()) {
  CheckKeyEditSeen(
      [](Fixture& f) { f.Edit("UPDATE keys SET owner = 'mallory'" + Fixture::Where(f.scal2)); },
      &Fixture::scal2);
}

TEST_CASE("edits seen: another key's wrapped key" * testing::SqliteOnly()) {
  CheckKeyEditSeen(
      [](Fixture& f) {
        f.Edit("UPDATE keys SET wrapped_private = (SELECT wrapped_private FROM keys" +
               Fixture::Where(f.mallory_key) + ")" + Fixture::Where(f.scal2));
      },
      &Fixture::scal2);
}

TEST_CASE("edits seen: a lowered SCAL" * testing::SqliteOnly()) {
  CheckKeyEditSeen([](Fixture& f) { f.Edit("UPDATE keys SET scal = 1" + Fixture::Where(f.scal2)); },
                   &Fixture::scal2);
}

TEST_CASE("edits seen: a SCAL1 key's policy" * testing::SqliteOnly()) {
  CheckKeyEditSeen(
      [](Fixture& f) {
        f.Edit("UPDATE keys SET policy_json = '{\"activation\":{\"max_signatures\":1000000}}'" +
               Fixture::Where(f.scal1));
      },
      &Fixture::scal1);
}

TEST_CASE("edits seen: another key's public key" * testing::SqliteOnly()) {
  CheckKeyEditSeen(
      [](Fixture& f) {
        f.Edit("UPDATE keys SET public_spki = (SELECT public_spki FROM keys" +
               Fixture::Where(f.mallory_key) + ")" + Fixture::Where(f.scal2));
      },
      &Fixture::scal2);
}

TEST_CASE("edits seen: the key's signer row" * testing::SqliteOnly()) {
  std::string sql;
  SUBCASE("enrolment date") {
    sql = "UPDATE signers SET created = created - 86400 WHERE name = 'alice'";
  }
  SUBCASE("status") { sql = "UPDATE signers SET status = 'removed' WHERE name = 'alice'"; }
  SUBCASE("renamed: the key's signer is gone, which no command does") {
    sql = "UPDATE signers SET name = 'alicia' WHERE name = 'alice'";
  }
  InEachProcess(Sql(sql), [](Fixture& f, Keystore& ks) {
    for (const KeyInfo* key : {&f.scal2, &f.scal1}) {
      Status usable = ks.keys().CheckKeyUsable(key->id, Now(), false);
      CHECK_MESSAGE(usable.code() == Code::kTampered, usable.ToString());
      CHECK(usable.message().find("alice") != std::string::npos);
    }
    CHECK(ks.keys().CheckKeyUsable(f.mallory_key.id, Now(), false).ok());
  });
}

TEST_CASE("edits seen: an activation key" * testing::SqliteOnly()) {
  EditFn edit;
  SUBCASE("public key") {
    edit = [](Fixture& f) {
      auto attacker = GenerateKey(KeyType::kEcP256);
      REQUIRE(attacker.ok());
      RawDb(f.token.path)
          .ExecWithBlob("UPDATE activation_keys SET public_spki = ? WHERE kid = 'dev'",
                        *PublicKeyToSpki(attacker->get()));
    };
  }
  SUBCASE("owner") { edit = Sql("UPDATE activation_keys SET owner = 'mallory' WHERE kid = 'dev'"); }
  SUBCASE("role") {
    edit = Sql("UPDATE activation_keys SET role = 'authorization-server' WHERE kid = 'dev'");
  }
  SUBCASE("status") {
    edit = Sql("UPDATE activation_keys SET status = 'disabled' WHERE kid = 'dev'");
  }
  InEachProcess(edit, [](Fixture&, Keystore& ks) {
    auto key = ks.signers().GetActivationKey("dev");
    REQUIRE_FALSE(key.ok());
    CHECK(key.status().code() == Code::kTampered);
    CHECK(key.status().message() == "activation key 'dev' failed its integrity check");
    CHECK(ks.signers().ListActivationKeys().status().code() == Code::kTampered);
    CHECK(ks.signers().GetActivationKey("as").ok());
  });
}

// A row's kid is its name: under another kid it is a row deleted and a forged one added. The
// kept key is dropped all the same (as a removed one), and the forged row fails its check.
TEST_CASE("edits seen: an activation key's kid" * testing::SqliteOnly()) {
  InEachProcess(Sql("UPDATE activation_keys SET kid = 'as2' WHERE kid = 'dev'"),
                [](Fixture&, Keystore& ks) {
                  CHECK(ks.signers().GetActivationKey("dev").status().code() == Code::kNotFound);
                  CHECK(ks.signers().GetActivationKey("as2").status().code() == Code::kTampered);
                  CHECK(ks.signers().ListActivationKeys().status().code() == Code::kTampered);
                });
}

// An edit of another key's row leaves this key's answers as they were.
TEST_CASE("edits seen: another key's edit leaves a key usable" * testing::SqliteOnly()) {
  InEachProcess(
      [](Fixture& f) { f.Edit("UPDATE keys SET owner = 'alice'" + Fixture::Where(f.mallory_key)); },
      [](Fixture& f, Keystore& ks) {
        CHECK(ks.keys().Unwrap(f.scal2.handle).ok());
        CHECK(ks.keys().CheckKeyUsable(f.scal2.id, Now(), false).ok());
        CHECK(ks.keys().FindKeyByHandle(f.scal2.handle).ok());
        CHECK(ks.keys().CheckKeyUsable(f.mallory_key.id, Now(), false).code() == Code::kTampered);
      });
}

}  // namespace
}  // namespace samp11
