#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <set>

#include "crypto/keys.h"
#include "crypto/signature.h"
#include "keystore/keystore.h"
#include "keystore_test_util.h"

namespace samp11 {
namespace {

using testing::NewKeyFile;
using testing::NewToken;
using testing::TempDir;
using testing::TestToken;

EvpPkeyPtr NewPkey(KeyType type) {
  auto key = GenerateKey(type);
  REQUIRE(key.ok());
  return std::move(key).value();
}

TEST_CASE("keystore: create then open keeps identity and label") {
  TempDir dir;
  TestToken token = NewToken(dir, "demo");
  std::string identity = token.keystore->identity();
  CHECK(identity.size() == 32);
  CHECK(identity.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(token.keystore->label() == "demo");
  token.keystore.reset();

  auto opened = testing::OpenTestKeystore(token.path, token.master);
  REQUIRE_MESSAGE(opened.ok(), opened.status().ToString());
  CHECK((*opened)->identity() == identity);
  CHECK((*opened)->label() == "demo");
}

TEST_CASE("keystore: two tokens get different identities") {
  TempDir dir;
  MasterKeySource master = NewKeyFile(dir);
  auto a = testing::CreateTestKeystore(dir.File("a.db"), master, "a");
  auto b = testing::CreateTestKeystore(dir.File("b.db"), master, "b");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK((*a)->identity() != (*b)->identity());
}

TEST_CASE("keystore: create refuses an existing file and a bad label") {
  TempDir dir;
  TestToken token = NewToken(dir);
  auto again = testing::CreateTestKeystore(token.path, token.master, "x");
  CHECK(again.status().code() == Code::kAlreadyExists);
  CHECK(testing::CreateTestKeystore(dir.File("l.db"), token.master, "").status().code() ==
        Code::kArgumentsBad);
  CHECK(testing::CreateTestKeystore(dir.File("l.db"), token.master, std::string(33, 'x'))
            .status()
            .code() == Code::kArgumentsBad);
  CHECK(testing::CreateTestKeystore(dir.File("l.db"), token.master, std::string(32, 'x')).ok());
}

TEST_CASE("keystore: a wrong master key is refused at open") {
  TempDir dir;
  TestToken token = NewToken(dir);
  token.keystore.reset();
  MasterKeySource other = NewKeyFile(dir, "other.key");
  auto opened = testing::OpenTestKeystore(token.path, other);
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.status().code() == Code::kConfig);
  CHECK(opened.status().message().find("master key does not match this keystore") !=
        std::string::npos);
}

TEST_CASE("keystore: a master key file with mode 0644 is refused") {
  TempDir dir;
  TestToken token = NewToken(dir);
  token.keystore.reset();
  REQUIRE(::chmod(token.master.location.c_str(), 0644) == 0);
  auto opened = testing::OpenTestKeystore(token.path, token.master);
  CHECK(opened.status().code() == Code::kConfig);
  CHECK(opened.status().message().find("0644") != std::string::npos);
  CHECK(testing::CreateTestKeystore(dir.File("new.db"), token.master, "x").status().code() ==
        Code::kConfig);
}

TEST_CASE("keystore: a passphrase token opens with its passphrase only") {
  TempDir dir;
  const char* var = "SAMP11_TEST_TOKEN_PASSPHRASE";
  MasterKeySource master;
  master.kind = MasterKeySource::Kind::kPassphraseEnv;
  master.location = var;
  std::string path = dir.File("p.db");

  ::unsetenv(var);
  CHECK(testing::CreateTestKeystore(path, master, "p").status().code() == Code::kConfig);
  CHECK(::access(path.c_str(), F_OK) != 0);  // nothing left behind

  ::setenv(var, "first passphrase", 1);
  std::string identity;
  {
    auto created = testing::CreateTestKeystore(path, master, "p");
    REQUIRE_MESSAGE(created.ok(), created.status().ToString());
    identity = (*created)->identity();
    REQUIRE((*created)->signers().AddSigner("alice").ok());
  }
  {
    auto opened = testing::OpenTestKeystore(path, master);
    REQUIRE_MESSAGE(opened.ok(), opened.status().ToString());
    CHECK((*opened)->identity() == identity);
    CHECK(*(*opened)->signers().SignerExists("alice"));
  }
  ::setenv(var, "second passphrase", 1);
  CHECK(testing::OpenTestKeystore(path, master).status().code() == Code::kConfig);
  ::unsetenv(var);

  // A key-file token has no salt: asking for a passphrase is refused with a clear message.
  TestToken file_token = NewToken(dir);
  file_token.keystore.reset();
  ::setenv(var, "first passphrase", 1);
  CHECK(testing::OpenTestKeystore(file_token.path, master).status().code() == Code::kConfig);
  ::unsetenv(var);
}

TEST_CASE("keystore: signers are added once and listed") {
  TempDir dir;
  TestToken token = NewToken(dir);
  Keystore& ks = *token.keystore;
  REQUIRE(ks.signers().AddSigner("bob").ok());
  REQUIRE(ks.signers().AddSigner("alice").ok());
  CHECK(ks.signers().AddSigner("alice").code() == Code::kAlreadyExists);
  CHECK(ks.signers().AddSigner("").code() == Code::kArgumentsBad);
  CHECK(*ks.signers().SignerExists("alice"));
  CHECK_FALSE(*ks.signers().SignerExists("carol"));
  auto names = ks.signers().ListSigners();
  REQUIRE(names.ok());
  CHECK(*names == std::vector<std::string>{"alice", "bob"});
}

TEST_CASE("keystore: activation keys are added, read back and cached") {
  TempDir dir;
  TestToken token = NewToken(dir);
  Keystore& ks = *token.keystore;
  REQUIRE(ks.signers().AddSigner("alice").ok());

  EvpPkeyPtr device = NewPkey(KeyType::kEcP256);
  auto kid = ks.signers().AddActivationKey(ActivationKeyRole::kDevice, "alice", device.get());
  REQUIRE_MESSAGE(kid.ok(), kid.status().ToString());
  CHECK(*kid == *JwkThumbprint(device.get()));

  auto key = ks.signers().GetActivationKey(*kid);
  REQUIRE_MESSAGE(key.ok(), key.status().ToString());
  CHECK(key->kid == *kid);
  CHECK(key->role == ActivationKeyRole::kDevice);
  CHECK(key->owner == "alice");
  CHECK(key->alg == SadAlg::kES256);
  CHECK(EVP_PKEY_eq(key->public_key.get(), device.get()) == 1);
  // Only the public half was stored.
  CHECK(PrivateKeyToPkcs8(key->public_key.get()).status().code() != Code::kOk);

  EvpPkeyPtr issuer = NewPkey(KeyType::kEd25519);
  auto as_kid = ks.signers().AddActivationKey(ActivationKeyRole::kAuthorizationServer,
                                              "https://as.example", issuer.get(), "as-1");
  REQUIRE(as_kid.ok());
  CHECK(*as_kid == "as-1");
  CHECK(ks.signers().GetActivationKey("as-1")->alg == SadAlg::kEdDSA);
  EvpPkeyPtr p384 = NewPkey(KeyType::kEcP384);
  REQUIRE(
      ks.signers().AddActivationKey(ActivationKeyRole::kDevice, "alice", p384.get(), "p384").ok());
  CHECK(ks.signers().GetActivationKey("p384")->alg == SadAlg::kES384);

  CHECK(ks.signers()
            .AddActivationKey(ActivationKeyRole::kDevice, "alice", device.get())
            .status()
            .code() == Code::kAlreadyExists);
  CHECK(ks.signers()
            .AddActivationKey(ActivationKeyRole::kDevice, "mallory", p384.get(), "m")
            .status()
            .code() == Code::kNotFound);
  CHECK(ks.signers()
            .AddActivationKey(ActivationKeyRole::kAuthorizationServer, "", p384.get(), "e")
            .status()
            .code() == Code::kArgumentsBad);
  EvpPkeyPtr rsa = NewPkey(KeyType::kRsa2048);
  auto refused = ks.signers().AddActivationKey(ActivationKeyRole::kDevice, "alice", rsa.get());
  CHECK(refused.status().code() == Code::kArgumentsBad);
  CHECK(refused.status().message() == "activation keys must be P-256, P-384 or Ed25519");
  CHECK(ks.signers().GetActivationKey("missing").status().code() == Code::kNotFound);

  auto all = ks.signers().ListActivationKeys();
  REQUIRE(all.ok());
  CHECK(all->size() == 3);
}

TEST_CASE("keystore: a checked activation key is kept until anything changes, then read again" *
          testing::SqliteOnly()) {
  TempDir dir;
  TestToken token = NewToken(dir);
  Keystore& ks = *token.keystore;
  EvpPkeyPtr issuer = NewPkey(KeyType::kEd25519);
  REQUIRE(ks.signers()
              .AddActivationKey(ActivationKeyRole::kAuthorizationServer, "https://as.example",
                                issuer.get(), "as-1")
              .ok());
  REQUIRE(ks.signers().GetActivationKey("as-1").ok());
  REQUIRE(ks.signers().GetActivationKey("as-1").ok());
  // Its row deleted behind the keystore's back (as another process's `samp11 issuer remove`
  // does): the next look-up sees the file changed, reads again, and finds no key.
  {
    testing::RawDb raw(token.path);
    raw.Exec("DELETE FROM activation_keys WHERE kid = 'as-1'");
  }
  CHECK(ks.signers().GetActivationKey("as-1").status().code() == Code::kNotFound);
}

TEST_CASE("keystore: every key type is generated, wrapped, reopened and unwrapped") {
  TempDir dir;
  TestToken token = NewToken(dir);
  REQUIRE(token.keystore->signers().AddSigner("alice").ok());
  const KeyType types[] = {KeyType::kRsa2048, KeyType::kRsa3072, KeyType::kRsa4096,
                           KeyType::kEcP256,  KeyType::kEcP384,  KeyType::kEd25519};
  std::vector<std::pair<int64_t, Bytes>> made;  // handle, spki
  for (KeyType type : types) {
    CAPTURE(KeyTypeName(type));
    auto key = token.keystore->keys().GenerateKey("alice", type, KeyTypeName(type), 2);
    REQUIRE_MESSAGE(key.ok(), key.status().ToString());
    CHECK(key->info.type == type);
    CHECK(key->info.owner == "alice");
    CHECK(key->info.scal == 2);
    CHECK(key->info.policy_json == "{}");
    CHECK(key->info.id.size() == 16);
    CHECK(*KeyTypeOf(key->private_key.get()) == type);
    made.emplace_back(key->info.handle, key->info.public_spki);
  }
  token.keystore.reset();

  auto reopened = testing::OpenTestKeystore(token.path, token.master);
  REQUIRE(reopened.ok());
  for (const auto& [handle, spki] : made) {
    auto key = (*reopened)->keys().Unwrap(handle);
    REQUIRE_MESSAGE(key.ok(), key.status().ToString());
    CHECK(*PublicKeyToSpki(key->private_key.get()) == spki);
    // The unwrapped key really signs, and its stored public key verifies it.
    if (key->info.type == KeyType::kEd25519) {
      Bytes message = ToBytes("hello");
      auto signature = Ed25519Sign(key->private_key.get(), message);
      REQUIRE(signature.ok());
      auto public_key = PublicKeyFromSpki(spki);
      CHECK(Ed25519Verify(public_key->get(), message, *signature).ok());
    }
  }
  CHECK((*reopened)->keys().Unwrap(999999).status().code() == Code::kNotFound);
}

TEST_CASE("keystore: GenerateKey checks owner, scal, label and id") {
  TempDir dir;
  TestToken token = NewToken(dir);
  Keystore& ks = *token.keystore;
  REQUIRE(ks.signers().AddSigner("alice").ok());
  auto no_signer = ks.keys().GenerateKey("bob", KeyType::kEcP256, "k", 2);
  CHECK(no_signer.status().code() == Code::kNotFound);
  CHECK(no_signer.status().message() == "no signer 'bob'");
  CHECK(ks.keys().GenerateKey("alice", KeyType::kEcP256, "k", 0).status().code() ==
        Code::kArgumentsBad);
  CHECK(ks.keys().GenerateKey("alice", KeyType::kEcP256, "k", 3).status().code() ==
        Code::kArgumentsBad);
  CHECK(
      ks.keys().GenerateKey("alice", KeyType::kEcP256, std::string(256, 'l'), 2).status().code() ==
      Code::kArgumentsBad);
  // A SCAL1 key needs its activation limits (key_policy.h; keystore_pins.cc tests them).
  const ActivationLimits limits{1, std::nullopt};
  CHECK(ks.keys()
            .GenerateKey("alice", KeyType::kEcP256, std::string(255, 'l'), 1, Bytes(), limits)
            .ok());

  Bytes id = ToBytes("my-id");
  auto with_id = ks.keys().GenerateKey("alice", KeyType::kEd25519, "k", 1, id, limits);
  REQUIRE(with_id.ok());
  CHECK(with_id->info.id == id);
  CHECK(with_id->info.scal == 1);
  CHECK(ks.keys().GenerateKey("alice", KeyType::kEd25519, "k", 1, id, limits).status().code() ==
        Code::kAlreadyExists);
  auto found = ks.keys().FindKeyById(id);
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK((*found)->handle == with_id->info.handle);
  CHECK_FALSE(ks.keys().FindKeyById(ToBytes("other"))->has_value());
  CHECK((*ks.keys().FindKeyByHandle(with_id->info.handle))->id == id);
  CHECK_FALSE(ks.keys().FindKeyByHandle(424242)->has_value());
}

TEST_CASE("keystore: ListKeys and FindKeysByLabel page by handle") {
  TempDir dir;
  TestToken token = NewToken(dir);
  Keystore& ks = *token.keystore;
  REQUIRE(ks.signers().AddSigner("alice").ok());
  std::vector<int64_t> all, blue;
  for (int i = 0; i < 10; ++i) {
    std::string label = i % 3 == 0 ? "blue" : "red";
    auto key = ks.keys().GenerateKey("alice", KeyType::kEd25519, label, 2);
    REQUIRE(key.ok());
    all.push_back(key->info.handle);
    if (label == "blue") blue.push_back(key->info.handle);
  }
  std::vector<int64_t> seen;
  int64_t after = 0;
  for (;;) {
    auto page = ks.keys().ListKeys(after, 4);
    REQUIRE(page.ok());
    if (page->empty()) break;
    CHECK(page->size() <= 4);
    for (const KeyInfo& info : *page) seen.push_back(info.handle);
    after = page->back().handle;
  }
  CHECK(seen == all);

  seen.clear();
  after = 0;
  for (;;) {
    auto page = ks.keys().FindKeysByLabel("blue", after, 1);
    REQUIRE(page.ok());
    if (page->empty()) break;
    REQUIRE(page->size() == 1);
    CHECK((*page)[0].label == "blue");
    seen.push_back((*page)[0].handle);
    after = (*page)[0].handle;
  }
  CHECK(seen == blue);
  CHECK(ks.keys().FindKeysByLabel("green", 0, 10)->empty());
}

TEST_CASE("keystore: spent hashes through the keystore") {
  TempDir dir;
  TestToken token = NewToken(dir);
  Keystore& ks = *token.keystore;
  Bytes hash(32, 0xab);
  CHECK_FALSE(*ks.replay().IsHashSpent("kid", "jti", hash));
  auto first = ks.replay().SpendHash("kid", "jti", hash, ToBytes("key"), 2000000000);
  REQUIRE(first.ok());
  CHECK(*first);
  CHECK_FALSE(*ks.replay().SpendHash("kid", "jti", hash, ToBytes("key"), 2000000000));
  CHECK(*ks.replay().IsHashSpent("kid", "jti", hash));
  CHECK(ks.replay().SpendHash("kid", "", hash, ToBytes("key"), 1).status().code() ==
        Code::kArgumentsBad);
  token.keystore.reset();

  auto reopened = testing::OpenTestKeystore(token.path, token.master);
  REQUIRE(reopened.ok());
  CHECK(*(*reopened)->replay().IsHashSpent("kid", "jti", hash));
  CHECK_FALSE(*(*reopened)->replay().SpendHash("kid", "jti", hash, ToBytes("key"), 2000000000));
  CHECK(*testing::RawStore(token.path)->replay().PurgeSpentHashes(2000000001) == 1);
  CHECK_FALSE(*(*reopened)->replay().IsHashSpent("kid", "jti", hash));
}

TEST_CASE("keystore: two processes spend the same hash, one wins" * testing::SqliteOnly()) {
  TempDir dir;
  TestToken token = NewToken(dir);
  token.keystore.reset();
  Bytes hash(32, 0x5a);
  int gate[2];
  REQUIRE(::pipe(gate) == 0);
  std::vector<pid_t> children;
  for (int c = 0; c < 2; ++c) {
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(gate[1]);
      auto ks = testing::OpenTestKeystore(token.path, token.master);
      if (!ks.ok()) ::_exit(3);
      char byte;
      if (::read(gate[0], &byte, 1) < 0) ::_exit(4);
      auto spent = (*ks)->replay().SpendHash("kid", "jti", hash, ToBytes("key"), 2000000000);
      if (!spent.ok()) ::_exit(2);
      ::_exit(*spent ? 0 : 1);
    }
    children.push_back(pid);
  }
  ::close(gate[0]);
  ::close(gate[1]);
  std::multiset<int> codes;
  for (pid_t pid : children) {
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    codes.insert(WEXITSTATUS(status));
  }
  CHECK(codes == std::multiset<int>{0, 1});
}

TEST_CASE("keystore: RoleName") {
  CHECK(std::string(RoleName(ActivationKeyRole::kDevice)) == "device");
  CHECK(std::string(RoleName(ActivationKeyRole::kAuthorizationServer)) == "authorization-server");
}

}  // namespace
}  // namespace samp11
