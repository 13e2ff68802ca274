// OCRA SADs in the SAM: a response computed over the document's hash (otp_test_util.h, apart
// from samp11's OCRA code) activates one signature of that hash through every path (context
// login, user login, deposit); refused: a response for another hash, a replay (here and in
// another process), another key's owner, the lock-out after the allowed tries, an enrolment
// replaced since.
#include <doctest/doctest.h>

#include "crypto/digest.h"
#include "otp_test_util.h"
#include "sad/ocra_sad.h"
#include "sam/sign_operation.h"
#include "tests/support/test_token.h"

namespace samp11 {
namespace {

using testing::TestToken;

const MechanismSpec kEcdsaSha256{MechanismKind::kEcdsaWithHash, HashAlg::kSha256, {}};
const Bytes kDoc = ToBytes("contract 42");
constexpr char kSuite[] = "OCRA-1:HOTP-SHA256-8:QH64";

SamPolicy Policy() {
  SamPolicy policy;
  policy.ocra_max_tries = 3;
  return policy;
}

struct Fixture {
  TestToken token;
  Sam sam{token.keystore(), Policy(), DefaultClock()};
  UnwrappedKey key = token.GenerateKey("alice", KeyType::kEcP256);
  Bytes secret;

  Fixture() {
    auto enrolled = token.keystore().otp().EnrolOcra("alice", kSuite, std::nullopt);
    REQUIRE(enrolled.ok());
    secret.assign(enrolled->data(), enrolled->data() + enrolled->size());
  }

  std::string Sad(const Bytes& data, const KeyInfo& for_key, const std::string& signer = "alice",
                  std::optional<std::string> response = std::nullopt) {
    OcraSad sad;
    sad.signer = signer;
    sad.credential_id = HexEncode(for_key.id);
    sad.hash = Digest(HashAlg::kSha256, data);
    sad.response = response.value_or(
        testing::TestOcra(kSuite, "SHA256", 8, secret.data(), secret.size(), HexEncode(sad.hash)));
    return OcraSadText(sad);
  }

  Result<Bytes> SignContext(Sam& with, const KeyInfo& k, const std::string& sad,
                            const Bytes& data = kDoc) {
    SAMP11_ASSIGN_OR_RETURN(auto op, SignOperation::Begin(with, k.handle, kEcdsaSha256));
    SAMP11_RETURN_IF_ERROR(op->ContextLogin(sad));
    SAMP11_RETURN_IF_ERROR(op->Update(data.data(), data.size()));
    return op->Finish(nullptr);
  }
  Result<Bytes> SignWith(const UserLogin& login, const Bytes& data = kDoc) {
    SAMP11_ASSIGN_OR_RETURN(auto op, SignOperation::Begin(sam, key.info.handle, kEcdsaSha256));
    SAMP11_RETURN_IF_ERROR(op->Update(data.data(), data.size()));
    return op->Finish(login);
  }
};

TEST_CASE(
    "ocra sad: a context login signs that hash once; a replay, here or elsewhere, is refused") {
  Fixture f;
  const std::string sad = f.Sad(kDoc, f.key.info);
  CHECK(LooksLikeSad(sad));
  auto sig = f.SignContext(f.sam, f.key.info, sad);
  REQUIRE_MESSAGE(sig.ok(), sig.status().ToString());
  CHECK(
      EcdsaVerifyHash(testing::PublicKeyOf(f.key.info).get(), Digest(HashAlg::kSha256, kDoc), *sig)
          .ok());
  auto again = f.SignContext(f.sam, f.key.info, sad);
  CHECK(again.status().code() == Code::kRejected);
  CHECK(again.status().message().find("already spent") != std::string::npos);
  // Another process on the same keystore: the spend is durable and shared.
  auto other_keystore = OpenTokenKeystore(f.token.config());
  REQUIRE(other_keystore.ok());
  Sam other(**other_keystore, Policy(), DefaultClock());
  CHECK(f.SignContext(other, f.key.info, sad).status().code() == Code::kRejected);
}

TEST_CASE("ocra sad: a response over another hash, or for another signer, is refused") {
  Fixture f;
  // The SAD names kDoc's hash with the response of another document: refused at the login.
  const Bytes other_hash = Digest(HashAlg::kSha256, ToBytes("contract 43"));
  const std::string wrong = testing::TestOcra(kSuite, "SHA256", 8, f.secret.data(), f.secret.size(),
                                              HexEncode(other_hash));
  auto refused = f.SignContext(f.sam, f.key.info, f.Sad(kDoc, f.key.info, "alice", wrong));
  CHECK(refused.status().code() == Code::kActivationInvalid);
  CHECK(refused.status().message().find("wrong OCRA response") != std::string::npos);
  // A right SAD for kDoc, but the data signed is another document: refused at C_Sign.
  auto unbound = f.SignContext(f.sam, f.key.info, f.Sad(kDoc, f.key.info), ToBytes("other"));
  CHECK(unbound.status().code() == Code::kRejected);
  // Bob has no OCRA enrolment; and alice's SAD cannot sign bob's key.
  UnwrappedKey bobs = f.token.GenerateKey("bob", KeyType::kEcP256);
  CHECK(f.SignContext(f.sam, bobs.info, f.Sad(kDoc, bobs.info, "bob")).status().code() ==
        Code::kActivationInvalid);
  CHECK_FALSE(f.SignContext(f.sam, bobs.info, f.Sad(kDoc, bobs.info)).ok());
}

TEST_CASE("ocra sad: a user login, then C_Sign; and a deposit") {
  Fixture f;
  auto login = f.sam.LoginUser(f.Sad(kDoc, f.key.info));
  REQUIRE_MESSAGE(login.ok(), login.status().ToString());
  CHECK((*login)->ocra);
  CHECK((*login)->sad.kid == "ocra:alice");
  CHECK(f.SignWith(UserLogin(*login)).ok());
  CHECK(f.SignWith(UserLogin(*login)).status().code() == Code::kRejected);

  const Bytes doc2 = ToBytes("contract 44");
  REQUIRE(f.sam.DepositInKeystore(f.Sad(doc2, f.key.info)).ok());
  CHECK(f.SignWith(nullptr, doc2).ok());
  CHECK(f.SignWith(nullptr, doc2).status().code() == Code::kNoActivation);  // spent
}

TEST_CASE("ocra sad: wrong responses lock the signer's OCRA after the allowed tries") {
  Fixture f;
  for (const char* wrong : {"00000001", "00000002", "00000003"}) {
    auto refused = f.SignContext(f.sam, f.key.info, f.Sad(kDoc, f.key.info, "alice", wrong));
    CHECK(refused.status().code() == Code::kActivationInvalid);
  }
  auto locked = f.SignContext(f.sam, f.key.info, f.Sad(kDoc, f.key.info));
  CHECK(locked.status().code() == Code::kPinLocked);
  AuditFilter filter;
  filter.event = audit_event::kOcraLocked;
  auto records = f.token.keystore().audit().List(filter, 0);
  REQUIRE(records.ok());
  CHECK(records->size() == 1);
}

TEST_CASE("ocra sad: an enrolment replaced after the login takes the SAD with it") {
  Fixture f;
  auto op = SignOperation::Begin(f.sam, f.key.info.handle, kEcdsaSha256);
  REQUIRE(op.ok());
  REQUIRE((*op)->ContextLogin(f.Sad(kDoc, f.key.info)).ok());
  REQUIRE(f.token.keystore().otp().EnrolOcra("alice", kSuite, std::nullopt).ok());
  REQUIRE((*op)->Update(kDoc.data(), kDoc.size()).ok());
  auto sig = (*op)->Finish(nullptr);
  CHECK(sig.status().code() == Code::kRejected);
  CHECK(sig.status().message().find("replaced or removed") != std::string::npos);
}

}  // namespace
}  // namespace samp11
