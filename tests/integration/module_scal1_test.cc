// SCAL1 keys through the built module: C_Login(CKU_USER, "NAME:PIN") activates the signer's SCAL1
// keys within their limits; wrong PINs count down to CKR_PIN_LOCKED and show in the token flags;
// a PIN never activates a SCAL2 key.
#include <doctest/doctest.h>

#include "crypto/signature.h"
#include "tests/integration/module_fixture.h"

namespace samp11::testing {
namespace {

const Bytes kDoc = ToBytes("sealed invoice 7");
constexpr int kTries = 3;
constexpr CK_FLAGS kPinFlags =
    CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED;

SamPolicy Policy() {
  SamPolicy policy;
  policy.pin_max_tries = kTries;
  return policy;
}

struct Setup {
  ModuleFixture f{{"alice", "bob"}, Policy()};
  UnwrappedKey seal = Scal1Key("alice", ActivationLimits{3, std::nullopt});
  UnwrappedKey bob_seal = Scal1Key("bob", ActivationLimits{3, std::nullopt});
  CK_SESSION_HANDLE session = f.OpenSession();

  Setup() {
    REQUIRE(f.token().keystore().pins().SetSignerPin("alice", "1234").ok());
    REQUIRE(f.token().keystore().pins().SetSignerPin("bob", "5678").ok());
  }

  UnwrappedKey Scal1Key(const std::string& signer, ActivationLimits limits) {
    auto key = f.token().keystore().keys().GenerateKey(signer, KeyType::kEcP256, signer + "-seal",
                                                       1, Bytes(), limits);
    REQUIRE_MESSAGE(key.ok(), key.status().ToString());
    return std::move(key).value();
  }

  CK_RV Sign(CK_OBJECT_HANDLE key, Bytes* signature = nullptr, const std::string& sad = "") {
    return f.SignOnce(session, key, Mech(CKM_ECDSA_SHA256), sad, kDoc, signature);
  }

  CK_FLAGS PinFlags() {
    CK_TOKEN_INFO info;
    REQUIRE(f.p11()->C_GetTokenInfo(f.slot(), &info) == CKR_OK);
    return info.flags & kPinFlags;
  }

  CK_BBOOL AlwaysAuthenticate(CK_OBJECT_HANDLE key) {
    CK_BBOOL value = CK_TRUE;
    CK_ATTRIBUTE attr{CKA_ALWAYS_AUTHENTICATE, &value, sizeof value};
    REQUIRE(f.p11()->C_GetAttributeValue(session, key, &attr, 1) == CKR_OK);
    return value;
  }
};

TEST_CASE("scal1: a PIN login signs max_signatures times, then CKR_FUNCTION_REJECTED") {
  Setup s;
  CK_OBJECT_HANDLE key = s.f.FindKey(s.session, s.seal.info.id);
  REQUIRE(key != CK_INVALID_HANDLE);
  CHECK(s.AlwaysAuthenticate(key) == CK_FALSE);
  CHECK(s.Sign(key) == CKR_USER_NOT_LOGGED_IN);  // no login yet

  REQUIRE(s.f.Login(s.session, CKU_USER, "alice:1234") == CKR_OK);
  CK_SESSION_INFO info;
  REQUIRE(s.f.p11()->C_GetSessionInfo(s.session, &info) == CKR_OK);
  CHECK(info.state == CKS_RO_USER_FUNCTIONS);
  CHECK(s.f.Login(s.session, CKU_USER, "alice:1234") == CKR_USER_ALREADY_LOGGED_IN);
  for (int i = 0; i < 3; ++i) {
    Bytes signature;
    REQUIRE(s.Sign(key, &signature) == CKR_OK);
    CHECK(EcdsaVerifyHash(PublicKeyOf(s.seal.info).get(), Digest(HashAlg::kSha256, kDoc), signature)
              .ok());
  }
  CHECK(s.Sign(key) == CKR_FUNCTION_REJECTED);
  CHECK(s.PinFlags() == 0);

  // C_Logout ends the activation; a new login starts a new count.
  REQUIRE(s.f.p11()->C_Logout(s.session) == CKR_OK);
  CHECK(s.Sign(key) == CKR_USER_NOT_LOGGED_IN);
  REQUIRE(s.f.Login(s.session, CKU_USER, "alice:1234") == CKR_OK);
  CHECK(s.Sign(key) == CKR_OK);
}

TEST_CASE("scal1: after a PIN login only that signer's private keys are visible") {
  Setup s;
  REQUIRE(s.f.FindKey(s.session, s.bob_seal.info.id) != CK_INVALID_HANDLE);
  CK_OBJECT_HANDLE bobs = s.f.FindKey(s.session, s.bob_seal.info.id);
  REQUIRE(s.f.Login(s.session, CKU_USER, "alice:1234") == CKR_OK);
  CHECK(s.f.FindKey(s.session, s.seal.info.id) != CK_INVALID_HANDLE);
  CHECK(s.f.FindKey(s.session, s.bob_seal.info.id) == CK_INVALID_HANDLE);
  CK_MECHANISM mech = Mech(CKM_ECDSA_SHA256);
  CHECK(s.f.p11()->C_SignInit(s.session, &mech, bobs) == CKR_KEY_HANDLE_INVALID);
}

TEST_CASE("scal1: a SCAL1 key takes no context login") {
  Setup s;
  CK_OBJECT_HANDLE key = s.f.FindKey(s.session, s.seal.info.id);
  REQUIRE(s.f.Login(s.session, CKU_USER, "alice:1234") == CKR_OK);
  CK_MECHANISM mech = Mech(CKM_ECDSA_SHA256);
  REQUIRE(s.f.p11()->C_SignInit(s.session, &mech, key) == CKR_OK);
  CHECK(s.f.Login(s.session, CKU_CONTEXT_SPECIFIC, "alice:1234") == CKR_OPERATION_NOT_INITIALIZED);
  // The operation is still there and signs under the PIN login.
  Bytes data = kDoc;
  CK_ULONG len = 64;
  Bytes signature(len);
  CHECK(s.f.p11()->C_Sign(s.session, data.data(), data.size(), signature.data(), &len) == CKR_OK);
}

TEST_CASE("scal1: wrong PINs show COUNT_LOW, then FINAL_TRY, then the PIN locks") {
  Setup s;
  CHECK(s.PinFlags() == 0);
  CHECK(s.f.Login(s.session, CKU_USER, "alice:0000") == CKR_PIN_INCORRECT);
  CHECK(s.PinFlags() == CKF_USER_PIN_COUNT_LOW);
  // NSS sends a refused value again and again: the repeat ends its loop and takes no try.
  CHECK(s.f.Login(s.session, CKU_USER, "alice:0000") == CKR_FUNCTION_CANCELED);
  CHECK(s.PinFlags() == CKF_USER_PIN_COUNT_LOW);
  CHECK(s.f.Login(s.session, CKU_USER, "alice:0001") == CKR_PIN_INCORRECT);
  CHECK(s.PinFlags() == (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY));
  CHECK(s.f.Login(s.session, CKU_USER, "alice:0002") == CKR_PIN_INCORRECT);
  CHECK((s.PinFlags() & CKF_USER_PIN_LOCKED) != 0);
  // Locked: the right PIN is refused too, and signs nothing.
  CHECK(s.f.Login(s.session, CKU_USER, "alice:1234") == CKR_PIN_LOCKED);
  CHECK(s.f.Login(s.session, CKU_USER, "alice:0003") == CKR_PIN_LOCKED);
  CHECK(s.Sign(s.f.FindKey(s.session, s.seal.info.id)) == CKR_USER_NOT_LOGGED_IN);
  // Another signer's PIN is not locked.
  CHECK(s.f.Login(s.session, CKU_USER, "bob:5678") == CKR_OK);
}

TEST_CASE("scal1: a right PIN clears the count and the flags") {
  Setup s;
  CHECK(s.f.Login(s.session, CKU_USER, "alice:0000") == CKR_PIN_INCORRECT);
  CHECK(s.PinFlags() == CKF_USER_PIN_COUNT_LOW);
  REQUIRE(s.f.Login(s.session, CKU_USER, "alice:1234") == CKR_OK);
  CHECK(s.PinFlags() == 0);
}

TEST_CASE("scal1: a PIN login does not activate a SCAL2 key; a SAD still does") {
  Setup s;
  UnwrappedKey scal2 = s.f.token().GenerateKey("alice", KeyType::kEcP256);
  CK_OBJECT_HANDLE key = s.f.FindKey(s.session, scal2.info.id);
  CHECK(s.AlwaysAuthenticate(key) == CK_TRUE);
  REQUIRE(s.f.Login(s.session, CKU_USER, "alice:1234") == CKR_OK);
  CHECK(s.Sign(key) == CKR_USER_NOT_LOGGED_IN);
  CHECK(s.Sign(key, nullptr, s.f.token().SadForData("alice", scal2.info, kDoc)) == CKR_OK);
}

TEST_CASE("scal1: a PIN that is not NAME:PIN, or a name without a PIN, is CKR_PIN_INCORRECT") {
  Setup s;
  CHECK(s.f.Login(s.session, CKU_USER, "1234") == CKR_PIN_INCORRECT);  // two signers have PINs
  CHECK(s.f.Login(s.session, CKU_USER, "carol:1234") == CKR_PIN_INCORRECT);
  CHECK(s.f.Login(s.session, CKU_USER, std::string(400, '1')) == CKR_PIN_LEN_RANGE);
  CHECK(s.PinFlags() == 0);  // none of these was a try of a real PIN
}

}  // namespace
}  // namespace samp11::testing
