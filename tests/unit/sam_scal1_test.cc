// SCAL1 keys in the SAM: the owner's PIN login activates them within their limits; nothing else
// does, and a PIN never activates a SCAL2 key.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "common/process_id.h"
#include "crypto/signature.h"
#include "keystore/audit_metrics.h"
#include "otp_test_util.h"
#include "sam/sign_operation.h"
#include "tests/support/fake_clock.h"
#include "tests/support/test_token.h"

namespace samp11 {
namespace {

using testing::FakeClock;
using testing::TestToken;

const MechanismSpec kEcdsaSha256{MechanismKind::kEcdsaWithHash, HashAlg::kSha256, {}};
const Bytes kDoc = ToBytes("sealed invoice 7");
constexpr int kTries = 3;

SamPolicy Policy() {
  SamPolicy policy;
  policy.pin_max_tries = kTries;
  return policy;
}

struct Fixture {
  TestToken token;
  FakeClock clock;
  Sam sam{token.keystore(), Policy(), clock};

  Fixture() {
    REQUIRE(token.keystore().pins().SetSignerPin("alice", "1234").ok());
    REQUIRE(token.keystore().pins().SetSignerPin("bob", "5678").ok());
  }

  UnwrappedKey Scal1Key(const std::string& signer, ActivationLimits limits) {
    auto key = token.keystore().keys().GenerateKey(signer, KeyType::kEcP256, signer + "-seal", 1,
                                                   Bytes(), limits);
    REQUIRE_MESSAGE(key.ok(), key.status().ToString());
    return std::move(key).value();
  }

  std::shared_ptr<PinActivation> Login(const std::string& value) {
    auto pin = sam.PinLogin(value);
    REQUIRE_MESSAGE(pin.ok(), pin.status().ToString());
    return std::move(pin).value();
  }

  // C_SignInit, C_Sign, with the given user login.
  Result<Bytes> Sign(const KeyInfo& key, const UserLogin& login, const Bytes& data = kDoc) {
    auto op = SignOperation::Begin(sam, key.handle, kEcdsaSha256);
    REQUIRE(op.ok());
    SAMP11_RETURN_IF_ERROR((*op)->Update(data.data(), data.size()));
    return (*op)->Finish(login);
  }
};

UserLogin PinOnly(std::shared_ptr<PinActivation> pin) { return UserLogin(nullptr, std::move(pin)); }

TEST_CASE("scal1: the owner's PIN login signs max_signatures times, then is refused") {
  Fixture f;
  UnwrappedKey key = f.Scal1Key("alice", ActivationLimits{3, std::nullopt});
  auto pin = f.Login("alice:1234");
  CHECK(pin->signer() == "alice");
  CHECK(pin->granted_at() == f.clock.NowSeconds());
  for (int i = 0; i < 3; ++i) {
    auto sig = f.Sign(key.info, PinOnly(pin));
    REQUIRE_MESSAGE(sig.ok(), sig.status().ToString());
    CHECK(
        EcdsaVerifyHash(testing::PublicKeyOf(key.info).get(), Digest(HashAlg::kSha256, kDoc), *sig)
            .ok());
  }
  CHECK(pin->signatures(key.info.id) == 3);
  auto fourth = f.Sign(key.info, PinOnly(pin));
  CHECK(fourth.status().code() == Code::kRejected);
  CHECK(fourth.status().message().find("limit") != std::string::npos);
  CHECK(pin->signatures(key.info.id) == 3);
  // A new login is a new activation, with its own count.
  auto again = f.Login("alice:1234");
  CHECK(f.Sign(key.info, PinOnly(again)).ok());
}

TEST_CASE("scal1: each sign record names the hash signed, the mechanism and the calling program") {
  Fixture f;
  UnwrappedKey key = f.Scal1Key("alice", ActivationLimits{5, std::nullopt});
  auto pin = f.Login("alice:1234");
  REQUIRE(f.Sign(key.info, PinOnly(pin)).ok());
  // Pure EdDSA fixes no hash: the record gives the message's SHA-256, as a SAD would bind it.
  auto ed = f.token.keystore().keys().GenerateKey("alice", KeyType::kEd25519, "alice-ed-seal", 1,
                                                  Bytes(), ActivationLimits{5, std::nullopt});
  REQUIRE(ed.ok());
  auto op = SignOperation::Begin(f.sam, ed->info.handle, {MechanismKind::kEddsa, {}, {}});
  REQUIRE(op.ok());
  const Bytes message = ToBytes("a time-stamp token's TSTInfo");
  REQUIRE((*op)->Update(message.data(), message.size()).ok());
  REQUIRE((*op)->Finish(PinOnly(pin)).ok());
  // Refused (no login): what is known is still said, after the reason.
  CHECK(f.Sign(key.info, UserLogin()).status().code() == Code::kNoActivation);

  AuditFilter signs;
  signs.event = audit_event::kSign;
  auto records = f.token.keystore().audit().List(signs, 0);
  REQUIRE(records.ok());
  REQUIRE(records->size() == 3);
  CHECK((*records)[0].event.outcome == audit_outcome::kOk);
  SignDetail ec = ParseSignDetail((*records)[0].event.detail);
  CHECK(ec.activation == "PIN login (SCAL1)");
  CHECK(ec.mechanism == "CKM_ECDSA_SHA256");
  CHECK(ec.hash == "sha256:" + HexEncode(Digest(HashAlg::kSha256, kDoc)));
  CHECK(ec.took_us.has_value());
  CHECK(ec.caller == OwnExecutable());
  SignDetail eddsa = ParseSignDetail((*records)[1].event.detail);
  CHECK(eddsa.mechanism == "CKM_EDDSA");
  CHECK(eddsa.hash == "sha256:" + HexEncode(Digest(HashAlg::kSha256, message)));
  CHECK(eddsa.caller == OwnExecutable());
  CHECK((*records)[2].event.outcome == audit_outcome::kRefused);
  SignDetail refused = ParseSignDetail((*records)[2].event.detail);
  CHECK(refused.reason_code == "no-activation");
  CHECK((*records)[2].event.detail.find("needs a PIN login of its owner") != std::string::npos);
  CHECK(refused.activation == "none");
  CHECK(refused.mechanism == "CKM_ECDSA_SHA256");
  CHECK(refused.hash.empty());  // refused before the SAM hashed anything
  CHECK(refused.caller == OwnExecutable());
}

TEST_CASE("scal1: the login lasts max_seconds") {
  Fixture f;
  UnwrappedKey key = f.Scal1Key("alice", ActivationLimits{std::nullopt, 60});
  auto pin = f.Login("alice:1234");
  f.clock.Advance(59);
  CHECK(f.Sign(key.info, PinOnly(pin)).ok());
  f.clock.Advance(1);
  auto late = f.Sign(key.info, PinOnly(pin));
  CHECK(late.status().code() == Code::kRejected);
  CHECK(late.status().message().find("60 seconds") != std::string::npos);
  CHECK(f.Sign(key.info, PinOnly(f.Login("alice:1234"))).ok());
}

TEST_CASE("scal1: both limits apply, each key counts on its own") {
  Fixture f;
  UnwrappedKey a = f.Scal1Key("alice", ActivationLimits{1, 600});
  UnwrappedKey b = f.Scal1Key("alice", ActivationLimits{2, 600});
  auto pin = f.Login("alice:1234");
  CHECK(f.Sign(a.info, PinOnly(pin)).ok());
  CHECK(f.Sign(a.info, PinOnly(pin)).status().code() == Code::kRejected);
  CHECK(f.Sign(b.info, PinOnly(pin)).ok());
  f.clock.Advance(600);
  CHECK(f.Sign(b.info, PinOnly(pin)).status().code() == Code::kRejected);
}

TEST_CASE("scal1: no PIN login, another signer's login, or a SAD login do not activate it") {
  Fixture f;
  UnwrappedKey alice_seal = f.Scal1Key("alice", ActivationLimits{5, std::nullopt});
  CHECK(f.Sign(alice_seal.info, nullptr).status().code() == Code::kNoActivation);
  auto bob = f.Login("bob:5678");
  CHECK(f.Sign(alice_seal.info, PinOnly(bob)).status().code() == Code::kNoActivation);
  auto sad = f.sam.VerifySad(f.token.SadForData("alice", alice_seal.info, kDoc));
  REQUIRE(sad.ok());
  CHECK(f.Sign(alice_seal.info, UserLogin(*sad)).status().code() == Code::kNoActivation);
}

TEST_CASE("scal1: a PIN login never activates a SCAL2 key") {
  Fixture f;
  UnwrappedKey scal2 = f.token.GenerateKey("alice", KeyType::kEcP256);
  auto pin = f.Login("alice:1234");
  CHECK(f.Sign(scal2.info, PinOnly(pin)).status().code() == Code::kNoActivation);
  // With the PIN login beside a SAD, the SAD (and only it) activates the SCAL2 key.
  auto sad = f.sam.VerifySad(f.token.SadForData("alice", scal2.info, kDoc));
  REQUIRE(sad.ok());
  CHECK(f.Sign(scal2.info, UserLogin(*sad, pin)).ok());
  CHECK(pin->signatures(scal2.info.id) == 0);
}

TEST_CASE("scal1: wrong PINs are refused and counted, then the PIN locks") {
  Fixture f;
  auto wrong = f.sam.PinLogin("alice:0000");
  CHECK(wrong.status().code() == Code::kActivationInvalid);
  CHECK(wrong.status().message().find("2 tries left") != std::string::npos);
  CHECK(wrong.status().message().find("0000") == std::string::npos);  // never the PIN
  // The same wrong PIN again at once is a retry loop (NSS), not a guess: refused without taking a
  // try (refused_logins.h).
  auto again = f.sam.PinLogin("alice:0000");
  CHECK(again.status().code() == Code::kCancelled);
  CHECK(again.status().message().find("not verified again") != std::string::npos);
  CHECK(f.sam.PinLogin("alice:0001").status().code() == Code::kActivationInvalid);
  CHECK(f.sam.PinLogin("alice:0002").status().code() == Code::kActivationInvalid);
  auto locked = f.sam.PinLogin("alice:1234");
  CHECK(locked.status().code() == Code::kPinLocked);
  CHECK(std::string(CodeName(Code::kPinLocked)) == "pin-locked");
  // Bob's PIN is his own, untouched by Alice's lock.
  CHECK(f.sam.PinLogin("bob:5678").ok());
  // The operator sets a new PIN: unlocked.
  REQUIRE(f.token.keystore().pins().SetSignerPin("alice", "9876").ok());
  CHECK(f.sam.PinLogin("alice:9876").ok());
}

TEST_CASE("scal1: the forms of a PIN login") {
  Fixture f;
  // Two signers have PINs: a bare PIN does not say whose.
  CHECK(f.sam.PinLogin("1234").status().code() == Code::kActivationInvalid);
  CHECK(f.sam.PinLogin("carol:1234").status().code() == Code::kActivationInvalid);
  CHECK(f.sam.PinLogin(":1234").status().code() == Code::kActivationInvalid);
  CHECK(f.sam.PinLogin(std::string(400, '1')).status().code() == Code::kActivationTooLong);

  TestToken one_signer({"seal"});
  FakeClock clock;
  Sam sam(one_signer.keystore(), Policy(), clock);
  CHECK(sam.PinLogin("1234").status().code() == Code::kActivationInvalid);  // no PIN at all
  REQUIRE(one_signer.keystore().pins().SetSignerPin("seal", "s3cret pin").ok());
  auto bare = sam.PinLogin("s3cret pin");
  REQUIRE(bare.ok());
  CHECK((*bare)->signer() == "seal");
  CHECK(sam.PinLogin("seal:s3cret pin").ok());
}

std::string TotpCode(const SecureBytes& secret, int64_t at) {
  return testing::TestTotp("SHA1", secret.data(), secret.size(), at, 30, 6);
}

TEST_CASE("scal1: a signer with TOTP logs in with NAME:PIN:CODE, and with nothing less") {
  Fixture f;
  f.clock.Set(1795000015);
  auto enrolled = f.token.keystore().otp().EnrolTotp("alice", TotpParams());
  REQUIRE(enrolled.ok());
  const SecureBytes& secret = *enrolled;
  UnwrappedKey key = f.Scal1Key("alice", ActivationLimits{5, std::nullopt});
  const std::string code = TotpCode(secret, f.clock.NowSeconds());

  // NAME:PIN alone: refused before the PIN is checked, no try taken.
  auto pin_only = f.sam.PinLogin("alice:1234");
  CHECK(pin_only.status().code() == Code::kActivationInvalid);
  CHECK(pin_only.status().message().find("NAME:PIN:CODE") != std::string::npos);
  // A right code with a wrong PIN: refused, a try counted, and the code not spent by it.
  auto wrong_pin = f.sam.PinLogin("alice:0000:" + code);
  CHECK(wrong_pin.status().code() == Code::kActivationInvalid);
  CHECK(wrong_pin.status().message().find("2 tries left") != std::string::npos);
  CHECK(wrong_pin.status().message().find(code) == std::string::npos);  // never the code
  // Both right: a login that says it carried a code, and signs.
  auto login = f.Login("alice:1234:" + code);
  CHECK(login->with_otp());
  CHECK(f.Sign(key.info, PinOnly(login)).ok());
  // The same code again (another session, another process): refused, and counted.
  auto reused = f.sam.PinLogin("alice:1234:" + code);
  CHECK(reused.status().code() == Code::kActivationInvalid);
  CHECK(reused.status().message().find("wrong PIN or one-time code") != std::string::npos);
  // A code outside the skew: refused.
  f.clock.Advance(30);
  CHECK(
      f.sam.PinLogin("alice:1234:" + TotpCode(secret, f.clock.NowSeconds() + 90)).status().code() ==
      Code::kActivationInvalid);
  // Three wrong tries in a row (the reused code, the late one, and this): locked, as a PIN locks.
  CHECK(f.sam.PinLogin("alice:1234:000000").status().code() == Code::kActivationInvalid);
  auto locked = f.sam.PinLogin("alice:1234:" + TotpCode(secret, f.clock.NowSeconds()));
  CHECK(locked.status().code() == Code::kPinLocked);
  // Bob has no TOTP: a code is refused, his PIN alone logs in.
  CHECK(f.sam.PinLogin("bob:5678:123456").status().code() == Code::kActivationInvalid);
  CHECK(f.sam.PinLogin("bob:5678").ok());
}

TEST_CASE("scal1: a key that requires a one-time code signs only under a login with one") {
  Fixture f;
  f.clock.Set(1795000015);
  ActivationLimits limits{5, std::nullopt};
  limits.require_otp = true;
  UnwrappedKey bobs = f.Scal1Key("bob", limits);
  auto plain = f.Login("bob:5678");
  CHECK_FALSE(plain->with_otp());
  auto refused = f.Sign(bobs.info, PinOnly(plain));
  CHECK(refused.status().code() == Code::kNoActivation);
  CHECK(refused.status().message().find("one-time code") != std::string::npos);
  auto enrolled = f.token.keystore().otp().EnrolTotp("bob", TotpParams());
  REQUIRE(enrolled.ok());
  auto with_code = f.Login("bob:5678:" + TotpCode(*enrolled, f.clock.NowSeconds()));
  CHECK(f.Sign(bobs.info, PinOnly(with_code)).ok());
}

TEST_CASE("scal1: what is a SAD and what is a PIN") {
  CHECK(LooksLikeSad("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln"));
  CHECK(LooksLikeSad("eyJ.x."));
  CHECK_FALSE(LooksLikeSad("alice:1234"));
  CHECK_FALSE(LooksLikeSad("1234"));
  CHECK_FALSE(LooksLikeSad("eyJ.a"));
  CHECK_FALSE(LooksLikeSad("eyJ.a.b.c"));
  CHECK_FALSE(LooksLikeSad("abc.def.ghi"));
  CHECK_FALSE(LooksLikeSad(""));
}

TEST_CASE("scal1: concurrent signatures under one login never pass max_signatures") {
  PinActivation pin("alice", 1000, false);
  const Bytes key_id = ToBytes("k");
  const ActivationLimits limits{50, std::nullopt};
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        if (pin.TakeSignature(key_id, limits, 1000).ok()) ++granted;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  CHECK(granted == 50);
  CHECK(pin.signatures(key_id) == 50);
  pin.ReturnSignature(key_id);  // a signing that failed gives its count back
  CHECK(pin.TakeSignature(key_id, limits, 1000).ok());
  CHECK_FALSE(pin.TakeSignature(key_id, limits, 1000).ok());
}

}  // namespace
}  // namespace samp11
