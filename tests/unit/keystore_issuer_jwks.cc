// An authorization server's JWK Set registered and replaced (Signers::SetIssuerJwks), and its
// subjects enrolled as signers (Signers::AddSubject ...): what is written, what is refused, the
// audit records, and the MACs that keep a subject's signer honest.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "crypto/keys.h"
#include "keystore/keystore.h"
#include "keystore_test_util.h"

namespace samp11 {
namespace {

using nlohmann::json;
using testing::NewToken;
using testing::RawDb;
using testing::TempDir;
using testing::TestToken;

constexpr char kIdp[] = "https://kc.example/realms/tsp";

struct Fixture {
  TempDir dir;
  TestToken token;
  Fixture() {
    token = NewToken(dir);
    REQUIRE(ks().signers().AddSigner("alice").ok());
    REQUIRE(ks().signers().AddSigner("bob").ok());
  }
  Keystore& ks() { return *token.keystore; }
  void Reopen() {
    token.keystore.reset();
    auto opened = testing::OpenTestKeystore(token.path, token.master);
    REQUIRE_MESSAGE(opened.ok(), opened.status().ToString());
    token.keystore = std::move(opened).value();
  }
  size_t Records(const char* event) {
    AuditFilter filter;
    filter.event = event;
    auto records = ks().audit().List(filter, 0);
    REQUIRE(records.ok());
    return records->size();
  }
};

JwksKey Key(const std::string& kid, KeyType type, SadAlg alg) {
  auto key = GenerateKey(type);
  REQUIRE(key.ok());
  return JwksKey{kid, alg, Share(std::move(*key))};
}

Jwks Set(std::vector<JwksKey> keys) {
  Jwks jwks;
  jwks.keys = std::move(keys);
  return jwks;
}

std::vector<std::string> Kids(Keystore& ks) {
  Result<std::vector<ActivationKey>> keys = ks.signers().ListActivationKeys();
  REQUIRE(keys.ok());
  std::vector<std::string> kids;
  for (const ActivationKey& key : *keys) {
    kids.push_back(key.kid + " " + SadAlgName(key.alg));
  }
  return kids;
}

TEST_CASE("issuer JWK Set: registered whole, each key fixed to its algorithm, audited per kid") {
  Fixture f;
  JwksKey rs = Key("rs", KeyType::kRsa2048, SadAlg::kRS256);
  JwksKey ps = Key("ps", KeyType::kRsa2048, SadAlg::kPS256);
  JwksKey ed = Key("ed", KeyType::kEd25519, SadAlg::kEdDSA);
  auto added = f.ks().signers().SetIssuerJwks(kIdp, Set({rs, ps, ed}), false);
  REQUIRE_MESSAGE(added.ok(), added.status().ToString());
  CHECK(added->added == std::vector<std::string>{"rs", "ps", "ed"});
  CHECK(Kids(f.ks()) == std::vector<std::string>{"ed EdDSA", "ps PS256", "rs RS256"});
  CHECK(f.Records(audit_event::kActivationKeyAdd) == 3);
  f.Reopen();  // the RSA keys' algorithms survive the row's round trip and its MAC
  auto ps_key = f.ks().signers().GetActivationKey("ps");
  REQUIRE(ps_key.ok());
  CHECK(ps_key->alg == SadAlg::kPS256);
  CHECK(ps_key->role == ActivationKeyRole::kAuthorizationServer);
  CHECK(ps_key->owner == kIdp);

  // A kid taken (by any key): nothing written.
  JwksKey again = Key("rs", KeyType::kEcP256, SadAlg::kES256);
  JwksKey fresh = Key("fresh", KeyType::kEcP256, SadAlg::kES256);
  CHECK(
      f.ks().signers().SetIssuerJwks("https://other", Set({fresh, again}), false).status().code() ==
      Code::kAlreadyExists);
  CHECK(Kids(f.ks()).size() == 3);
}

TEST_CASE("issuer JWK Set: an update adds, keeps and removes in one write") {
  Fixture f;
  JwksKey a = Key("a", KeyType::kEcP256, SadAlg::kES256);
  JwksKey b = Key("b", KeyType::kEcP384, SadAlg::kES384);
  REQUIRE(f.ks().signers().SetIssuerJwks(kIdp, Set({a, b}), false).ok());
  // A device key of the same kid space is not the issuer's and stays.
  auto phone = GenerateKey(KeyType::kEd25519);
  REQUIRE(f.ks()
              .signers()
              .AddActivationKey(ActivationKeyRole::kDevice, "alice", phone->get(), "phone")
              .ok());

  JwksKey c = Key("c", KeyType::kRsa3072, SadAlg::kRS256);
  auto updated = f.ks().signers().SetIssuerJwks(kIdp, Set({b, c}), true);
  REQUIRE_MESSAGE(updated.ok(), updated.status().ToString());
  CHECK(updated->added == std::vector<std::string>{"c"});
  CHECK(updated->kept == std::vector<std::string>{"b"});
  CHECK(updated->removed == std::vector<std::string>{"a"});
  CHECK(Kids(f.ks()) == std::vector<std::string>{"b ES384", "c RS256", "phone EdDSA"});
  CHECK(f.ks().signers().GetActivationKey("a").status().code() == Code::kNotFound);
  CHECK(f.Records(audit_event::kActivationKeyRemove) == 1);

  SUBCASE("a kid that now names another key or algorithm is refused, nothing written") {
    JwksKey other_b = Key("b", KeyType::kEcP384, SadAlg::kES384);
    CHECK(f.ks().signers().SetIssuerJwks(kIdp, Set({other_b}), true).status().code() ==
          Code::kArgumentsBad);
    JwksKey c_as_ps = c;
    c_as_ps.alg = SadAlg::kPS256;
    CHECK(f.ks().signers().SetIssuerJwks(kIdp, Set({b, c_as_ps}), true).status().code() ==
          Code::kArgumentsBad);
    CHECK(Kids(f.ks()).size() == 3);
  }
  SUBCASE("an issuer with no keys has nothing to update") {
    CHECK(f.ks().signers().SetIssuerJwks("https://nobody", Set({a}), true).status().code() ==
          Code::kNotFound);
  }
  SUBCASE("a disabled issuer is enabled first") {
    REQUIRE(f.ks().signers().SetIssuerEnabled(kIdp, false, "").ok());
    CHECK(f.ks().signers().SetIssuerJwks(kIdp, Set({b}), true).status().code() ==
          Code::kArgumentsBad);
    CHECK(Kids(f.ks()).size() == 3);
  }
  SUBCASE("the same set again changes nothing") {
    auto same = f.ks().signers().SetIssuerJwks(kIdp, Set({b, c}), true);
    REQUIRE(same.ok());
    CHECK(same->added.empty());
    CHECK(same->removed.empty());
    CHECK(same->kept.size() == 2);
  }
}

TEST_CASE("subjects: enrolled to one signer, listed, removed with it, audited") {
  Fixture f;
  CHECK(f.ks().signers().AddSubject("alice", kIdp, "sub-a").ok());
  CHECK(f.ks().signers().AddSubject("bob", kIdp, "sub-b").ok());
  CHECK(f.ks().signers().AddSubject("bob", "https://other", "sub-a").ok());  // another server's
  CHECK(f.ks().signers().AddSubject("bob", kIdp, "sub-a").code() == Code::kAlreadyExists);
  CHECK(f.ks().signers().AddSubject("nobody", kIdp, "sub-n").code() == Code::kNotFound);
  CHECK(f.ks().signers().AddSubject("alice", kIdp, "").code() == Code::kArgumentsBad);
  CHECK(f.ks().signers().AddSubject("alice", kIdp, "a\nb").code() == Code::kArgumentsBad);
  CHECK(*f.ks().signers().SignerForSubject(kIdp, "sub-a") == "alice");
  CHECK(*f.ks().signers().SignerForSubject("https://other", "sub-a") == "bob");
  CHECK(f.ks().signers().SignerForSubject(kIdp, "alice").status().code() == Code::kNotFound);
  CHECK(f.ks().signers().ListSubjects()->size() == 3);
  CHECK(f.Records(audit_event::kSubjectAdd) == 7);  // four refused

  REQUIRE(f.ks().signers().RemoveSubject(kIdp, "sub-b", "left").ok());
  CHECK(f.ks().signers().SignerForSubject(kIdp, "sub-b").status().code() == Code::kNotFound);
  CHECK(f.ks().signers().RemoveSubject(kIdp, "sub-b", "").code() == Code::kNotFound);
  CHECK(f.Records(audit_event::kSubjectRemove) == 2);

  // Removing a signer takes its subjects: a token of that subject names no one.
  REQUIRE(f.ks().RemoveSigner("bob", false, "left").ok());
  CHECK(f.ks().signers().SignerForSubject("https://other", "sub-a").status().code() ==
        Code::kNotFound);
  CHECK(f.ks().signers().AddSubject("bob", kIdp, "sub-x").code() == Code::kNotFound);
  CHECK(*f.ks().signers().SignerForSubject(kIdp, "sub-a") == "alice");
}

TEST_CASE("subjects: a row moved to another signer by hand is tampering" * testing::SqliteOnly()) {
  Fixture f;
  REQUIRE(f.ks().signers().AddSubject("alice", kIdp, "sub-a").ok());
  RawDb(f.token.path).Exec("UPDATE signer_subjects SET signer = 'bob' WHERE subject = 'sub-a'");
  f.Reopen();
  CHECK(f.ks().signers().SignerForSubject(kIdp, "sub-a").status().code() == Code::kTampered);
  CHECK(f.ks().signers().ListSubjects().status().code() == Code::kTampered);
}

TEST_CASE("subjects and issuer keys survive a master-key rotation") {
  Fixture f;
  REQUIRE(f.ks().signers().AddSubject("alice", kIdp, "sub-a").ok());
  REQUIRE(f.ks()
              .signers()
              .SetIssuerJwks(kIdp, Set({Key("rs", KeyType::kRsa2048, SadAlg::kRS256)}), false)
              .ok());
  MasterKeySource next = testing::NewKeyFile(f.dir, "next.key");
  Status rotated = f.ks().RotateMasterKey(next);
  REQUIRE_MESSAGE(rotated.ok(), rotated.ToString());
  f.token.master = next;
  f.Reopen();
  CHECK(*f.ks().signers().SignerForSubject(kIdp, "sub-a") == "alice");
  CHECK(f.ks().signers().GetActivationKey("rs")->alg == SadAlg::kRS256);
}

}  // namespace
}  // namespace samp11
