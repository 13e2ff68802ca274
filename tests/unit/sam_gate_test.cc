// The SAM's decisions, against a real keystore: who may sign what, with which SAD, how often.
#include <doctest/doctest.h>

#include "crypto/keys.h"
#include "crypto/signature.h"
#include "sam/sign_operation.h"
#include "tests/support/fake_clock.h"
#include "tests/support/test_token.h"

namespace samp11 {
namespace {

using testing::FakeClock;
using testing::SadSpec;
using testing::TestToken;

const MechanismSpec kEcdsaSha256{MechanismKind::kEcdsaWithHash, HashAlg::kSha256, {}};

struct Fixture {
  TestToken token;
  FakeClock clock;
  Sam sam{token.keystore(), SamPolicy{}, clock};
  UnwrappedKey alice_key = token.GenerateKey("alice", KeyType::kEcP256);
  UnwrappedKey bob_key = token.GenerateKey("bob", KeyType::kEcP256);

  std::unique_ptr<SignOperation> Begin(const KeyInfo& key, MechanismSpec spec = kEcdsaSha256) {
    auto op = SignOperation::Begin(sam, key.handle, spec);
    REQUIRE(op.ok());
    return std::move(op).value();
  }
  // One complete signature through the operation, as C_SignInit/C_Login/C_Sign would.
  Result<Bytes> SignWith(const KeyInfo& key, const std::string& sad, const Bytes& data) {
    auto op = Begin(key);
    SAMP11_RETURN_IF_ERROR(op->ContextLogin(sad));
    SAMP11_RETURN_IF_ERROR(op->Update(data.data(), data.size()));
    return op->Finish(nullptr);
  }
};

const Bytes kDoc = ToBytes("contract 42");

TEST_CASE("a SAD for this key and this hash signs once, and the signature verifies") {
  Fixture f;
  // The key is where the run's parameter puts it (SAMP11_TEST_KEY_BACKEND).
  CHECK(f.alice_key.info.backend == testing::TestKeyBackend());
  std::string sad = f.token.SadForData("alice", f.alice_key.info, kDoc);
  auto sig = f.SignWith(f.alice_key.info, sad, kDoc);
  REQUIRE(sig.ok());
  CHECK(EcdsaVerifyHash(testing::PublicKeyOf(f.alice_key.info).get(),
                        Digest(HashAlg::kSha256, kDoc), *sig)
            .ok());
  auto again = f.SignWith(f.alice_key.info, sad, kDoc);
  CHECK(again.status().code() == Code::kRejected);
}

TEST_CASE("no SAD: nothing signs") {
  Fixture f;
  auto op = f.Begin(f.alice_key.info);
  REQUIRE(op->Update(kDoc.data(), kDoc.size()).ok());
  CHECK(op->Finish(nullptr).status().code() == Code::kNoActivation);
}

TEST_CASE("a SAD of another signer or for another key is refused at the context login") {
  Fixture f;
  // Bob's valid SAD for his own key, presented on Alice's key.
  std::string bobs = f.token.SadForData("bob", f.bob_key.info, kDoc);
  auto op = f.Begin(f.alice_key.info);
  CHECK(op->ContextLogin(bobs).code() == Code::kActivationInvalid);
  // Alice's SAD naming Bob's key id: refused on Alice's key, and on Bob's (not his signer).
  SadSpec spec;
  spec.hashes = {Digest(HashAlg::kSha256, kDoc)};
  spec.credential_id = HexEncode(f.bob_key.info.id);
  std::string misnamed = f.token.Sad("alice", f.alice_key.info, spec);
  CHECK(op->ContextLogin(misnamed).code() == Code::kActivationInvalid);
  auto bob_op = f.Begin(f.bob_key.info);
  CHECK(bob_op->ContextLogin(misnamed).code() == Code::kActivationInvalid);
  // The refused logins left the operation usable: the right SAD still works.
  std::string good = f.token.SadForData("alice", f.alice_key.info, kDoc);
  REQUIRE(op->ContextLogin(good).ok());
  REQUIRE(op->Update(kDoc.data(), kDoc.size()).ok());
  CHECK(op->Finish(nullptr).ok());
}

TEST_CASE("a device may only speak for its own signer") {
  Fixture f;
  SadSpec spec;
  spec.hashes = {Digest(HashAlg::kSha256, kDoc)};
  spec.sub = "alice";  // signed by bob's device
  std::string forged = f.token.Sad("bob", f.alice_key.info, spec);
  CHECK(f.sam.VerifySad(forged).status().code() == Code::kActivationInvalid);
  SadSpec wrong_iss;
  wrong_iss.hashes = spec.hashes;
  wrong_iss.iss = "someone-else";
  CHECK(f.sam.VerifySad(f.token.Sad("alice", f.alice_key.info, wrong_iss)).status().code() ==
        Code::kActivationInvalid);
}

TEST_CASE("an authorization server may issue for any enrolled signer, under its own name") {
  Fixture f;
  auto server_key = GenerateKey(KeyType::kEcP384);
  REQUIRE(server_key.ok());
  auto kid = f.token.keystore().signers().AddActivationKey(ActivationKeyRole::kAuthorizationServer,
                                                           "https://as.example", server_key->get());
  REQUIRE(kid.ok());
  SadClaims c;
  c.iss = "https://as.example";
  c.sub = "alice";
  c.aud = f.token.keystore().identity();
  c.credential_id = HexEncode(f.alice_key.info.id);
  c.hashes = {Digest(HashAlg::kSha256, kDoc)};
  c.iat = f.clock.NowSeconds();
  c.exp = c.iat + 60;
  c.jti = "as-1";
  auto sad = IssueSad(c, *kid, server_key->get());
  REQUIRE(sad.ok());
  CHECK(f.SignWith(f.alice_key.info, *sad, kDoc).ok());

  c.jti = "as-2";
  c.iss = "https://other.example";
  CHECK(f.sam.VerifySad(*IssueSad(c, *kid, server_key->get())).status().code() ==
        Code::kActivationInvalid);
  c.iss = "https://as.example";
  c.sub = "mallory";  // not enrolled
  CHECK(f.sam.VerifySad(*IssueSad(c, *kid, server_key->get())).status().code() ==
        Code::kActivationInvalid);
}

TEST_CASE("a disabled authorization server's SADs are refused at login and at the signature") {
  Fixture f;
  auto server_key = GenerateKey(KeyType::kEcP256);
  REQUIRE(server_key.ok());
  Signers& signers = f.token.keystore().signers();
  auto kid =
      signers.AddActivationKey(ActivationKeyRole::kAuthorizationServer, "idp", server_key->get());
  REQUIRE(kid.ok());
  const Bytes other_doc = ToBytes("contract 43");
  auto issue = [&](const std::string& jti, std::vector<Bytes> hashes) {
    SadClaims c;
    c.iss = "idp";
    c.sub = "alice";
    c.aud = f.token.keystore().identity();
    c.credential_id = HexEncode(f.alice_key.info.id);
    c.hashes = std::move(hashes);
    c.iat = f.clock.NowSeconds();
    c.exp = c.iat + 60;
    c.jti = jti;
    auto sad = IssueSad(c, *kid, server_key->get());
    REQUIRE(sad.ok());
    return *sad;
  };
  // Logged in (a batch of two) before the server is disabled.
  auto user_sad = f.sam.VerifySad(
      issue("b-1", {Digest(HashAlg::kSha256, kDoc), Digest(HashAlg::kSha256, other_doc)}));
  REQUIRE(user_sad.ok());
  auto op = f.Begin(f.alice_key.info);
  REQUIRE(op->Update(kDoc.data(), kDoc.size()).ok());
  REQUIRE(op->Finish(*user_sad).ok());

  REQUIRE(signers.SetIssuerEnabled("idp", false, "suspected compromise").ok());
  auto after = f.Begin(f.alice_key.info);
  REQUIRE(after->Update(other_doc.data(), other_doc.size()).ok());
  Result<Bytes> refused = after->Finish(*user_sad);
  CHECK(refused.status().code() == Code::kRejected);
  CHECK(refused.status().message().find("'idp'") != std::string::npos);
  CHECK(refused.status().message().find("was disabled") != std::string::npos);
  Result<std::shared_ptr<const VerifiedSad>> login =
      f.sam.VerifySad(issue("n-1", {Digest(HashAlg::kSha256, other_doc)}));
  CHECK(login.status().code() == Code::kActivationInvalid);
  CHECK(login.status().message().find("is disabled") != std::string::npos);

  // Enabled again: its SADs are taken (the batch's second hash is still unspent).
  REQUIRE(signers.SetIssuerEnabled("idp", true, "").ok());
  auto again = f.Begin(f.alice_key.info);
  REQUIRE(again->Update(other_doc.data(), other_doc.size()).ok());
  CHECK(again->Finish(*user_sad).ok());
}

TEST_CASE("data the SAD does not bind is refused and spends nothing") {
  Fixture f;
  std::string sad = f.token.SadForData("alice", f.alice_key.info, kDoc);
  CHECK(f.SignWith(f.alice_key.info, sad, ToBytes("another document")).status().code() ==
        Code::kRejected);
  CHECK(f.SignWith(f.alice_key.info, sad, kDoc).ok());
}

TEST_CASE("a batch SAD allows one signature per hash, then it is spent") {
  Fixture f;
  std::vector<Bytes> docs = {ToBytes("a"), ToBytes("b"), ToBytes("c")};
  SadSpec spec;
  for (const Bytes& d : docs) spec.hashes.push_back(Digest(HashAlg::kSha256, d));
  std::string sad = f.token.Sad("alice", f.alice_key.info, spec);
  for (const Bytes& d : docs) CHECK(f.SignWith(f.alice_key.info, sad, d).ok());
  for (const Bytes& d : docs) {
    CHECK(f.SignWith(f.alice_key.info, sad, d).status().code() == Code::kRejected);
  }
}

TEST_CASE("the SAD's hash algorithm must be the one the mechanism signs with") {
  Fixture f;
  SadSpec spec;
  spec.alg = HashAlg::kSha384;
  spec.hashes = {Digest(HashAlg::kSha384, kDoc)};
  std::string sad = f.token.Sad("alice", f.alice_key.info, spec);
  CHECK(f.SignWith(f.alice_key.info, sad, kDoc).status().code() == Code::kRejected);
}

TEST_CASE("a SAD that expires between login and signature is refused at the signature") {
  Fixture f;
  SadSpec spec;
  spec.hashes = {Digest(HashAlg::kSha256, kDoc)};
  spec.lifetime = 60;
  std::string sad = f.token.Sad("alice", f.alice_key.info, spec);
  auto verified = f.sam.VerifySad(sad);
  REQUIRE(verified.ok());
  auto op = f.Begin(f.alice_key.info);
  REQUIRE(op->ContextLogin(sad).ok());
  // From the SAD's own exp: the fixture's clock started before the (possibly slow) key generation.
  f.clock.Set((*verified)->sad.claims.exp + SamPolicy{}.sad.clock_skew_seconds);
  REQUIRE(op->Update(kDoc.data(), kDoc.size()).ok());
  CHECK(op->Finish(nullptr).status().code() == Code::kActivationExpired);
}

TEST_CASE("a SAD whose device key is removed after the login is refused at the signature") {
  Fixture f;
  // A batch SAD of two documents, logged in as the user (it may serve for a while).
  const Bytes other_doc = ToBytes("contract 43");
  SadSpec spec;
  spec.hashes = {Digest(HashAlg::kSha256, kDoc), Digest(HashAlg::kSha256, other_doc)};
  auto user_sad = f.sam.VerifySad(f.token.Sad("alice", f.alice_key.info, spec));
  REQUIRE(user_sad.ok());
  auto op = f.Begin(f.alice_key.info);
  REQUIRE(op->Update(kDoc.data(), kDoc.size()).ok());
  REQUIRE(op->Finish(*user_sad).ok());

  // The phone is reported lost: its key goes, and the SAD already logged in goes with it.
  const std::string kid = f.token.device("alice").kid;
  REQUIRE(f.token.keystore()
              .signers()
              .RemoveActivationKey(ActivationKeyRole::kDevice, "alice", kid, "phone lost")
              .ok());
  auto after = f.Begin(f.alice_key.info);
  REQUIRE(after->Update(other_doc.data(), other_doc.size()).ok());
  Result<Bytes> refused = after->Finish(*user_sad);
  CHECK(refused.status().code() == Code::kRejected);
  CHECK(refused.status().message().find("was removed") != std::string::npos);
  // And a new SAD of that device is refused at its login.
  auto login = f.Begin(f.alice_key.info);
  CHECK(login->ContextLogin(f.token.SadForData("alice", f.alice_key.info, other_doc)).code() ==
        Code::kActivationInvalid);
}

TEST_CASE("a SAD whose device key is replaced under the same kid is refused at the signature") {
  Fixture f;
  auto user_sad = f.sam.VerifySad(f.token.SadForData("alice", f.alice_key.info, kDoc));
  REQUIRE(user_sad.ok());
  // The old device's key removed, and another key registered under the same kid.
  const std::string kid = f.token.device("alice").kid;
  Signers& signers = f.token.keystore().signers();
  REQUIRE(signers.RemoveActivationKey(ActivationKeyRole::kDevice, "alice", kid, "").ok());
  Result<EvpPkeyPtr> replacement = GenerateKey(KeyType::kEcP256);
  REQUIRE(replacement.ok());
  REQUIRE(
      signers.AddActivationKey(ActivationKeyRole::kDevice, "alice", replacement->get(), kid).ok());
  auto op = f.Begin(f.alice_key.info);
  REQUIRE(op->Update(kDoc.data(), kDoc.size()).ok());
  Result<Bytes> refused = op->Finish(*user_sad);
  CHECK(refused.status().code() == Code::kRejected);
  CHECK(refused.status().message().find("was replaced") != std::string::npos);
}

TEST_CASE("the user login's SAD serves when there was no context login") {
  Fixture f;
  auto user_sad = f.sam.VerifySad(f.token.SadForData("alice", f.alice_key.info, kDoc));
  REQUIRE(user_sad.ok());
  auto op = f.Begin(f.alice_key.info);
  REQUIRE(op->Update(kDoc.data(), kDoc.size()).ok());
  auto sig = op->Finish(*user_sad);
  REQUIRE(sig.ok());
  CHECK(op->activation().source() == ActivationSource::kUserLogin);
  CHECK(op->activation().state() == Activation::State::kSpent);
  // Alice's user login does not activate Bob's key.
  auto bob_op = f.Begin(f.bob_key.info);
  REQUIRE(bob_op->Update(kDoc.data(), kDoc.size()).ok());
  CHECK(bob_op->Finish(*user_sad).status().code() == Code::kRejected);
}

}  // namespace
}  // namespace samp11
