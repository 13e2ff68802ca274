// The deposit path: a SAD verified and stored ahead of the signature, found at C_Sign by key and
// hash, spent once; forged or foreign deposits refused at deposit time.
#include <doctest/doctest.h>

#include "sam/sign_operation.h"
#include "tests/support/test_token.h"

namespace samp11 {
namespace {

using testing::SadSpec;
using testing::TestToken;

const MechanismSpec kEcdsaSha256{MechanismKind::kEcdsaWithHash, HashAlg::kSha256, {}};
const Bytes kDoc = ToBytes("deposited contract");

struct Fixture {
  TestToken token;
  Sam sam{token.keystore(), SamPolicy{}, DefaultClock()};
  UnwrappedKey key = token.GenerateKey("alice", KeyType::kEcP256);

  // C_SignInit + C_Sign with no SAD given: only a deposit can activate.
  Result<Bytes> SignWithoutSad(const Bytes& data, MechanismSpec spec = kEcdsaSha256) {
    SAMP11_ASSIGN_OR_RETURN(auto op, SignOperation::Begin(sam, key.info.handle, spec));
    SAMP11_RETURN_IF_ERROR(op->Update(data.data(), data.size()));
    return op->Finish(nullptr);
  }
};

TEST_CASE("a SAD deposited in the keystore activates one signature of its hash") {
  Fixture f;
  CHECK(f.SignWithoutSad(kDoc).status().code() == Code::kNoActivation);
  REQUIRE(f.sam.DepositInKeystore(f.token.SadForData("alice", f.key.info, kDoc)).ok());
  CHECK(f.SignWithoutSad(ToBytes("other")).status().code() == Code::kNoActivation);
  CHECK(f.SignWithoutSad(kDoc).ok());
  CHECK(f.SignWithoutSad(kDoc).status().code() == Code::kNoActivation);  // spent
}

TEST_CASE("a keystore deposit is seen by another Sam on the same file (another process)") {
  Fixture f;
  REQUIRE(f.sam.DepositInKeystore(f.token.SadForData("alice", f.key.info, kDoc)).ok());
  auto other_keystore = OpenTokenKeystore(f.token.config());
  REQUIRE(other_keystore.ok());
  Sam other(**other_keystore, SamPolicy{}, DefaultClock());
  auto op = SignOperation::Begin(other, f.key.info.handle, kEcdsaSha256);
  REQUIRE(op.ok());
  REQUIRE((*op)->Update(kDoc.data(), kDoc.size()).ok());
  auto sig = (*op)->Finish(nullptr);
  REQUIRE(sig.ok());
  CHECK((*op)->activation().source() == ActivationSource::kDeposit);
  CHECK(f.SignWithoutSad(kDoc).status().code() == Code::kNoActivation);
}

TEST_CASE("a batch deposit covers each of its hashes once; EdDSA finds its hash algorithm") {
  Fixture f;
  SadSpec spec;
  spec.hashes = {Digest(HashAlg::kSha256, ToBytes("a")), Digest(HashAlg::kSha256, ToBytes("b"))};
  REQUIRE(f.sam.DepositInKeystore(f.token.Sad("alice", f.key.info, spec)).ok());
  CHECK(f.SignWithoutSad(ToBytes("b")).ok());
  CHECK(f.SignWithoutSad(ToBytes("a")).ok());
  CHECK_FALSE(f.SignWithoutSad(ToBytes("a")).ok());

  UnwrappedKey ed = f.token.GenerateKey("alice", KeyType::kEd25519);
  SadSpec ed_spec;
  ed_spec.alg = HashAlg::kSha384;
  ed_spec.hashes = {Digest(HashAlg::kSha384, kDoc)};
  REQUIRE(f.sam.DepositInKeystore(f.token.Sad("alice", ed.info, ed_spec)).ok());
  auto op = SignOperation::Begin(f.sam, ed.info.handle, {MechanismKind::kEddsa, {}, {}});
  REQUIRE(op.ok());
  REQUIRE((*op)->Update(kDoc.data(), kDoc.size()).ok());
  CHECK((*op)->Finish(nullptr).ok());
}

TEST_CASE("forged, foreign, expired or duplicate deposits are refused and displace nothing") {
  Fixture f;
  std::string good = f.token.SadForData("alice", f.key.info, kDoc);
  std::string forged = good;
  forged[forged.size() - 5] = forged[forged.size() - 5] == 'A' ? 'B' : 'A';
  CHECK(f.sam.DepositInKeystore(forged).status().code() == Code::kActivationInvalid);
  SadSpec foreign;
  foreign.hashes = {Digest(HashAlg::kSha256, kDoc)};
  foreign.aud = "ffffffffffffffffffffffffffffffff";
  CHECK(f.sam.DepositInKeystore(f.token.Sad("alice", f.key.info, foreign)).status().code() ==
        Code::kActivationInvalid);
  SadSpec unknown_key = foreign;
  unknown_key.aud = "";
  unknown_key.credential_id = "00112233";
  CHECK(f.sam.DepositInKeystore(f.token.Sad("alice", f.key.info, unknown_key)).status().code() ==
        Code::kActivationInvalid);
  UnwrappedKey bobs = f.token.GenerateKey("bob", KeyType::kEcP256);
  SadSpec not_hers = foreign;
  not_hers.aud = "";
  CHECK(f.sam.DepositInKeystore(f.token.Sad("alice", bobs.info, not_hers)).status().code() ==
        Code::kActivationInvalid);
  SadSpec expired = foreign;
  expired.aud = "";
  expired.iat_offset = -1000;
  CHECK(f.sam.DepositInKeystore(f.token.Sad("alice", f.key.info, expired)).status().code() ==
        Code::kActivationExpired);

  REQUIRE(f.sam.DepositInKeystore(good).ok());
  CHECK(f.sam.DepositInKeystore(good).status().code() == Code::kAlreadyExists);
  CHECK(f.SignWithoutSad(kDoc).ok());  // the first, valid deposit still works
}

TEST_CASE("a session deposit serves this process and goes with its session") {
  Fixture f;
  auto id = f.sam.DepositForSession(7, f.token.SadForData("alice", f.key.info, kDoc));
  REQUIRE(id.ok());
  CHECK(static_cast<bool>(f.sam.session_deposits().Get(*id)));
  f.sam.session_deposits().RemoveSession(7);
  CHECK(f.SignWithoutSad(kDoc).status().code() == Code::kNoActivation);
  REQUIRE(f.sam.DepositForSession(8, f.token.SadForData("alice", f.key.info, kDoc)).ok());
  CHECK(f.SignWithoutSad(kDoc).ok());
  CHECK(f.sam.DepositForSession(8, "not a sad").status().code() == Code::kActivationInvalid);
}

}  // namespace
}  // namespace samp11
