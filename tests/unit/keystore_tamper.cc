// The attacker can write the token file (a stolen backup, a compromised database host) but does
// not hold the master key. Every edit below must make the row unusable, never transferable.
#include <doctest/doctest.h>

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

// A token with signers alice and mallory and one key each; reopened after every edit so no cache
// hides the change.
struct Fixture {
  TempDir dir;
  TestToken token;
  KeyInfo alice_key;
  KeyInfo mallory_key;

  Fixture() {
    token = NewToken(dir);
    REQUIRE(token.keystore->signers().AddSigner("alice").ok());
    REQUIRE(token.keystore->signers().AddSigner("mallory").ok());
    auto a = token.keystore->keys().GenerateKey("alice", KeyType::kEcP256, "alice key", 2);
    auto m = token.keystore->keys().GenerateKey("mallory", KeyType::kEcP256, "mallory key", 2);
    REQUIRE(a.ok());
    REQUIRE(m.ok());
    alice_key = a->info;
    mallory_key = m->info;
    token.keystore.reset();
  }

  std::unique_ptr<Keystore> Reopen() {
    auto ks = testing::OpenTestKeystore(token.path, token.master);
    REQUIRE_MESSAGE(ks.ok(), ks.status().ToString());
    return std::move(ks).value();
  }

  std::string WhereKey(const KeyInfo& key) const { return " WHERE id = " + HexLiteral(key.id); }
};

void CheckKeyTampered(Keystore& ks, const KeyInfo& key) {
  auto unwrapped = ks.keys().Unwrap(key.handle);
  REQUIRE_FALSE(unwrapped.ok());
  CHECK(unwrapped.status().code() == Code::kTampered);
  CHECK(unwrapped.status().message().find(HexEncode(key.id)) != std::string::npos);
}

TEST_CASE("tamper: untouched rows unwrap") {
  Fixture f;
  auto ks = f.Reopen();
  CHECK(ks->keys().Unwrap(f.alice_key.handle).ok());
  CHECK(ks->keys().Unwrap(f.mallory_key.handle).ok());
}

TEST_CASE("tamper: a key given to another signer is unusable" * testing::SqliteOnly()) {
  Fixture f;
  RawDb(f.token.path).Exec("UPDATE keys SET owner = 'mallory'" + f.WhereKey(f.alice_key));
  auto ks = f.Reopen();
  CheckKeyTampered(*ks, f.alice_key);
  auto unwrapped = ks->keys().Unwrap(f.alice_key.handle);
  CHECK(unwrapped.status().message() ==
        "key " + HexEncode(f.alice_key.id) +
            " failed its integrity check (edited, swapped or foreign row)");
  CHECK(ks->keys().Unwrap(f.mallory_key.handle).ok());
}

TEST_CASE("tamper: wrapped keys swapped between rows are unusable" * testing::SqliteOnly()) {
  Fixture f;
  {
    RawDb raw(f.token.path);
    raw.Exec("UPDATE keys SET wrapped_private = (SELECT wrapped_private FROM keys WHERE id = " +
             HexLiteral(f.alice_key.id) + "), public_spki = (SELECT public_spki FROM keys " +
             "WHERE id = " + HexLiteral(f.alice_key.id) + ")" + f.WhereKey(f.mallory_key));
  }
  auto ks = f.Reopen();
  CHECK(ks->keys().Unwrap(f.alice_key.handle).ok());
  CheckKeyTampered(*ks, f.mallory_key);
}

TEST_CASE("tamper: a file key relabelled as another backend's is detected" *
          testing::SqliteOnly()) {
  Fixture f;
  RawDb(f.token.path).Exec("UPDATE keys SET backend = 'pkcs11'" + f.WhereKey(f.alice_key));
  auto ks = f.Reopen();
  CheckKeyTampered(*ks, f.alice_key);
  CHECK(ks->keys().Unwrap(f.mallory_key.handle).ok());
}

TEST_CASE("tamper: a file key that claims to be imported is detected" * testing::SqliteOnly()) {
  Fixture f;
  RawDb(f.token.path).Exec("UPDATE keys SET origin = 'imported'" + f.WhereKey(f.alice_key));
  auto ks = f.Reopen();
  auto unwrapped = ks->keys().Unwrap(f.alice_key.handle);
  REQUIRE_FALSE(unwrapped.ok());
  CHECK(unwrapped.status().code() == Code::kTampered);
}

TEST_CASE("keystore: a version 1 file (no backend column) is migrated and its keys still sign" *
          testing::SqliteOnly()) {
  Fixture f;
  {
    RawDb raw(f.token.path);
    MakeSchemaVersion2(raw);
    raw.Exec("ALTER TABLE keys DROP COLUMN backend");
    raw.Exec("ALTER TABLE keys DROP COLUMN origin");
    raw.Exec("UPDATE meta SET value = '1' WHERE name = 'schema_version'");
  }
  auto ks = f.Reopen();
  auto unwrapped = ks->keys().Unwrap(f.alice_key.handle);
  REQUIRE_MESSAGE(unwrapped.ok(), unwrapped.status().ToString());
  CHECK(unwrapped->info.backend == "file");
  auto version = testing::RawStore(f.token.path)->meta().GetMeta("schema_version");
  REQUIRE(version.ok());
  REQUIRE(version->has_value());
  CHECK(**version == "6");
  // Reopening a migrated file is a plain open.
  ks.reset();
  CHECK(f.Reopen()->keys().Unwrap(f.mallory_key.handle).ok());
}

TEST_CASE("tamper: a disabled key or signer blanked back to enabled is not re-MAC'd at open" *
          testing::SqliteOnly()) {
  Fixture f;
  {
    auto ks = f.Reopen();
    REQUIRE(ks->keys().DisableKey(f.alice_key.id, "certificate revoked").ok());
    REQUIRE(ks->signers().DisableSigner("mallory", "left the company").ok());
  }
  // Without the master key: statuses set back and their MACs blanked, as rows written before
  // schema 3 look, and the marker older builds kept of having filled them removed.
  {
    RawDb raw(f.token.path);
    raw.Exec("UPDATE keys SET status = 'enabled', status_changed = 0, status_mac = NULL" +
             f.WhereKey(f.alice_key));
    raw.Exec(
        "UPDATE signers SET status = 'enabled', status_changed = 0, status_mac = NULL "
        "WHERE name = 'mallory'");
    raw.Exec("DELETE FROM meta WHERE name = 'lifecycle_macs'");
  }
  for (int open = 0; open < 2; ++open) {  // no open authenticates the edit
    auto ks = f.Reopen();
    auto usable = ks->keys().CheckKeyUsable(f.alice_key.id, 0, false);
    CHECK(usable.code() == Code::kTampered);
    auto mallory = ks->keys().CheckKeyUsable(f.mallory_key.id, 0, false);
    CHECK(mallory.code() == Code::kTampered);
    auto signer = ks->signers().CheckedSignerRow("mallory");
    REQUIRE_FALSE(signer.ok());
    CHECK(signer.status().code() == Code::kTampered);
  }
}

TEST_CASE("tamper: a lowered SCAL is detected" * testing::SqliteOnly()) {
  Fixture f;
  RawDb(f.token.path).Exec("UPDATE keys SET scal = 1" + f.WhereKey(f.alice_key));
  auto ks = f.Reopen();
  CheckKeyTampered(*ks, f.alice_key);
}

TEST_CASE("tamper: an edited policy or key type is detected" * testing::SqliteOnly()) {
  Fixture f;
  RawDb(f.token.path)
      .Exec("UPDATE keys SET policy_json = '{\"any\":true}'" + f.WhereKey(f.alice_key));
  RawDb(f.token.path).Exec("UPDATE keys SET key_type = 'ec-p384'" + f.WhereKey(f.mallory_key));
  auto ks = f.Reopen();
  CheckKeyTampered(*ks, f.alice_key);
  CheckKeyTampered(*ks, f.mallory_key);
}

TEST_CASE("tamper: a replaced public key is detected" * testing::SqliteOnly()) {
  Fixture f;
  RawDb(f.token.path)
      .ExecWithBlob("UPDATE keys SET public_spki = ?" + f.WhereKey(f.alice_key),
                    f.mallory_key.public_spki);
  auto ks = f.Reopen();
  CheckKeyTampered(*ks, f.alice_key);
}

TEST_CASE("tamper: a changed id is detected" * testing::SqliteOnly()) {
  Fixture f;
  RawDb(f.token.path).Exec("UPDATE keys SET id = x'00112233'" + f.WhereKey(f.alice_key));
  auto ks = f.Reopen();
  auto unwrapped = ks->keys().Unwrap(f.alice_key.handle);
  CHECK(unwrapped.status().code() == Code::kTampered);
}

TEST_CASE("tamper: a key row moved to another token is unusable there" * testing::SqliteOnly()) {
  Fixture f;
  TempDir other_dir;
  TestToken other = NewToken(other_dir);
  REQUIRE(other.keystore->signers().AddSigner("alice").ok());
  auto victim = other.keystore->keys().GenerateKey("alice", KeyType::kEcP256, "v", 2);
  REQUIRE(victim.ok());
  other.keystore.reset();
  // Copy the foreign token's wrapped key and public key over alice's row here.
  RawDb raw(f.token.path);
  raw.Exec("ATTACH DATABASE '" + other.path + "' AS other");
  raw.Exec(
      "UPDATE keys SET wrapped_private = (SELECT wrapped_private FROM other.keys), "
      "public_spki = (SELECT public_spki FROM other.keys)" +
      f.WhereKey(f.alice_key));
  raw.Exec("DETACH DATABASE other");
  auto ks = f.Reopen();
  CheckKeyTampered(*ks, f.alice_key);
}

TEST_CASE("tamper: activation key owner or public key edits are detected" * testing::SqliteOnly()) {
  Fixture f;
  std::string kid;
  {
    auto ks = f.Reopen();
    auto device = GenerateKey(KeyType::kEcP256);
    REQUIRE(device.ok());
    auto added =
        ks->signers().AddActivationKey(ActivationKeyRole::kDevice, "alice", device->get(), "dev");
    REQUIRE(added.ok());
    auto as_key = GenerateKey(KeyType::kEcP256);
    REQUIRE(ks->signers()
                .AddActivationKey(ActivationKeyRole::kAuthorizationServer, "issuer", as_key->get(),
                                  "as")
                .ok());
  }
  SUBCASE("owner") {
    RawDb(f.token.path).Exec("UPDATE activation_keys SET owner = 'mallory' WHERE kid = 'dev'");
  }
  SUBCASE("public key") {
    auto attacker = GenerateKey(KeyType::kEcP256);
    RawDb(f.token.path)
        .ExecWithBlob("UPDATE activation_keys SET public_spki = ? WHERE kid = 'dev'",
                      *PublicKeyToSpki(attacker->get()));
  }
  SUBCASE("role") {
    RawDb(f.token.path)
        .Exec("UPDATE activation_keys SET role = 'authorization-server' WHERE kid = 'dev'");
  }
  SUBCASE("mac copied from another row") {
    RawDb(f.token.path)
        .Exec(
            "UPDATE activation_keys SET mac = (SELECT mac FROM activation_keys WHERE kid = "
            "'as') WHERE kid = 'dev'");
  }
  auto ks = f.Reopen();
  auto key = ks->signers().GetActivationKey("dev");
  REQUIRE_FALSE(key.ok());
  CHECK(key.status().code() == Code::kTampered);
  CHECK(key.status().message() == "activation key 'dev' failed its integrity check");
  CHECK(ks->signers().ListActivationKeys().status().code() == Code::kTampered);
  CHECK(ks->signers().GetActivationKey("as").ok());
}

TEST_CASE("tamper: a signer's enrolment date edit is detected" * testing::SqliteOnly()) {
  Fixture f;
  RawDb(f.token.path).Exec("UPDATE signers SET created = created - 86400 WHERE name = 'alice'");
  auto ks = f.Reopen();
  auto exists = ks->signers().SignerExists("alice");
  REQUIRE_FALSE(exists.ok());
  CHECK(exists.status().code() == Code::kTampered);
  CHECK(exists.status().message() == "signer 'alice' failed its integrity check");
  CHECK(ks->signers().ListSigners().status().code() == Code::kTampered);
  CHECK(ks->keys().GenerateKey("alice", KeyType::kEd25519, "k", 2).status().code() ==
        Code::kTampered);
  CHECK(*ks->signers().SignerExists("mallory"));
}

TEST_CASE("tamper: a forged signer row is detected" * testing::SqliteOnly()) {
  Fixture f;
  RawDb(f.token.path)
      .Exec(
          "INSERT INTO signers(name, created, mac) SELECT 'eve', created, mac FROM signers "
          "WHERE name = 'mallory'");
  auto ks = f.Reopen();
  CHECK(ks->signers().SignerExists("eve").status().code() == Code::kTampered);
}

TEST_CASE("tamper: an edited identity reads as a wrong master key" * testing::SqliteOnly()) {
  Fixture f;
  RawDb(f.token.path)
      .Exec(
          "UPDATE meta SET value = '00000000000000000000000000000000' "
          "WHERE name = 'identity'");
  auto ks = testing::OpenTestKeystore(f.token.path, f.token.master);
  CHECK(ks.status().code() == Code::kConfig);
}

}  // namespace
}  // namespace samp11
