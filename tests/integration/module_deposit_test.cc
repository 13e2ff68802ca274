// The deposit path through the built module: SADs deposited in the keystore (by another
// program) or as session objects, used at C_Sign with no SAD in the call; the protected
// authentication path with its PIN-less logins.
#include <doctest/doctest.h>

#include "pkcs11/samp11_vendor.h"
#include "sam/sam.h"
#include "tests/integration/module_fixture.h"
#include "token/open_keystore.h"

namespace samp11::testing {
namespace {

const Bytes kDoc = ToBytes("deposited for the module");

SamPolicy Protected() {
  SamPolicy p;
  p.protected_authentication_path = true;
  return p;
}

// What `samp11 sad deposit` does, from outside the module (its own keystore connection).
void DepositInKeystore(TestToken& token, const std::string& sad) {
  auto keystore = OpenTokenKeystore(token.config());
  REQUIRE(keystore.ok());
  Sam sam(**keystore, SamPolicy{}, DefaultClock());
  auto deposited = sam.DepositInKeystore(sad);
  REQUIRE(deposited.ok());
}

CK_RV CreateDeposit(ModuleFixture& f, CK_SESSION_HANDLE s, const std::string& sad,
                    CK_OBJECT_HANDLE* object) {
  CK_OBJECT_CLASS klass = CKO_SAMP11_SAD;
  std::string value = sad;
  CK_ATTRIBUTE t[] = {{CKA_CLASS, &klass, sizeof klass},
                      {CKA_VALUE, value.data(), static_cast<CK_ULONG>(value.size())}};
  return f.p11()->C_CreateObject(s, t, 2, object);
}

TEST_CASE("a keystore deposit activates C_Sign without any login, once") {
  ModuleFixture f;
  UnwrappedKey key = f.token().GenerateKey("alice", KeyType::kEcP256);
  CK_SESSION_HANDLE s = f.OpenSession();
  CK_OBJECT_HANDLE handle = f.FindKey(s, key.info.id);
  CHECK(f.SignOnce(s, handle, Mech(CKM_ECDSA_SHA256), "", kDoc, nullptr) == CKR_USER_NOT_LOGGED_IN);
  DepositInKeystore(f.token(), f.token().SadForData("alice", key.info, kDoc));
  Bytes sig;
  CHECK(f.SignOnce(s, handle, Mech(CKM_ECDSA_SHA256), "", kDoc, &sig) == CKR_OK);
  CHECK(f.SignOnce(s, handle, Mech(CKM_ECDSA_SHA256), "", kDoc, &sig) == CKR_USER_NOT_LOGGED_IN);
}

TEST_CASE("a session-object deposit: created, read, used, destroyed, and gone with its session") {
  ModuleFixture f;
  UnwrappedKey key = f.token().GenerateKey("alice", KeyType::kEcP256);
  CK_SESSION_HANDLE s = f.OpenSession();
  CK_OBJECT_HANDLE handle = f.FindKey(s, key.info.id);
  CK_OBJECT_HANDLE deposit = CK_INVALID_HANDLE;
  REQUIRE(CreateDeposit(f, s, f.token().SadForData("alice", key.info, kDoc), &deposit) == CKR_OK);
  CK_OBJECT_CLASS klass = 0;
  CK_BBOOL token_object = CK_TRUE;
  CK_ATTRIBUTE read[] = {{CKA_CLASS, &klass, sizeof klass},
                         {CKA_TOKEN, &token_object, sizeof token_object}};
  REQUIRE(f.p11()->C_GetAttributeValue(s, deposit, read, 2) == CKR_OK);
  CHECK(klass == CKO_SAMP11_SAD);
  CHECK(token_object == CK_FALSE);
  CK_ATTRIBUTE value{CKA_VALUE, nullptr, 0};
  CHECK(f.p11()->C_GetAttributeValue(s, deposit, &value, 1) == CKR_ATTRIBUTE_SENSITIVE);
  CHECK(f.SignOnce(s, handle, Mech(CKM_ECDSA_SHA256), "", kDoc, nullptr) == CKR_OK);

  Bytes doc2 = ToBytes("second");
  REQUIRE(CreateDeposit(f, s, f.token().SadForData("alice", key.info, doc2), &deposit) == CKR_OK);
  CHECK(f.p11()->C_DestroyObject(s, deposit) == CKR_OK);
  CHECK(f.p11()->C_DestroyObject(s, deposit) == CKR_OBJECT_HANDLE_INVALID);
  CHECK(f.SignOnce(s, handle, Mech(CKM_ECDSA_SHA256), "", doc2, nullptr) == CKR_USER_NOT_LOGGED_IN);
  CHECK(f.p11()->C_DestroyObject(s, handle) == CKR_ACTION_PROHIBITED);

  // A deposit made in a session that then closes no longer serves any other session.
  CK_SESSION_HANDLE other = f.OpenSession();
  REQUIRE(CreateDeposit(f, other, f.token().SadForData("alice", key.info, doc2), &deposit) ==
          CKR_OK);
  REQUIRE(f.p11()->C_CloseSession(other) == CKR_OK);
  CHECK(f.SignOnce(s, handle, Mech(CKM_ECDSA_SHA256), "", doc2, nullptr) == CKR_USER_NOT_LOGGED_IN);
}

TEST_CASE("deposits that are forged, foreign or malformed are refused at creation") {
  ModuleFixture f;
  UnwrappedKey key = f.token().GenerateKey("alice", KeyType::kEcP256);
  UnwrappedKey bobs = f.token().GenerateKey("bob", KeyType::kEcP256);
  CK_SESSION_HANDLE s = f.OpenSession();
  CK_OBJECT_HANDLE o;
  std::string good = f.token().SadForData("alice", key.info, kDoc);
  std::string forged = good;
  forged[forged.size() - 10] = forged[forged.size() - 10] == 'A' ? 'B' : 'A';
  CHECK(CreateDeposit(f, s, forged, &o) == CKR_ATTRIBUTE_VALUE_INVALID);
  SadSpec foreign;
  foreign.hashes = {Digest(HashAlg::kSha256, kDoc)};
  foreign.aud = "00000000000000000000000000000000";
  CHECK(CreateDeposit(f, s, f.token().Sad("alice", key.info, foreign), &o) ==
        CKR_ATTRIBUTE_VALUE_INVALID);
  SadSpec not_hers;
  not_hers.hashes = foreign.hashes;
  CHECK(CreateDeposit(f, s, f.token().Sad("alice", bobs.info, not_hers), &o) ==
        CKR_ATTRIBUTE_VALUE_INVALID);
  CHECK(CreateDeposit(f, s, "", &o) == CKR_ATTRIBUTE_VALUE_INVALID);
  CK_OBJECT_CLASS data_class = CKO_DATA;
  CK_ATTRIBUTE data[] = {{CKA_CLASS, &data_class, sizeof data_class}};
  CHECK(f.p11()->C_CreateObject(s, data, 1, &o) == CKR_TEMPLATE_INCONSISTENT);
  CK_OBJECT_CLASS klass = CKO_SAMP11_SAD;
  CK_ATTRIBUTE no_value[] = {{CKA_CLASS, &klass, sizeof klass}};
  CHECK(f.p11()->C_CreateObject(s, no_value, 1, &o) == CKR_TEMPLATE_INCOMPLETE);
  CHECK(f.p11()->C_CreateObject(s, no_value, 1, nullptr) == CKR_ARGUMENTS_BAD);
  // The valid one, after all those, still works.
  REQUIRE(CreateDeposit(f, s, good, &o) == CKR_OK);
  CHECK(f.SignOnce(s, f.FindKey(s, key.info.id), Mech(CKM_ECDSA_SHA256), "", kDoc, nullptr) ==
        CKR_OK);
}

TEST_CASE("protected authentication path: the flag, and logins with no PIN") {
  {
    ModuleFixture plain;
    CK_TOKEN_INFO info;
    REQUIRE(plain.p11()->C_GetTokenInfo(plain.slot(), &info) == CKR_OK);
    CHECK((info.flags & CKF_PROTECTED_AUTHENTICATION_PATH) == 0);
    CK_SESSION_HANDLE s = plain.OpenSession();
    CHECK(plain.p11()->C_Login(s, CKU_USER, nullptr, 0) == CKR_ARGUMENTS_BAD);
  }
  ModuleFixture f({"alice", "bob"}, Protected());
  UnwrappedKey key = f.token().GenerateKey("alice", KeyType::kEcP256);
  CK_TOKEN_INFO info;
  REQUIRE(f.p11()->C_GetTokenInfo(f.slot(), &info) == CKR_OK);
  CHECK((info.flags & CKF_PROTECTED_AUTHENTICATION_PATH) != 0);
  CK_SESSION_HANDLE s = f.OpenSession();
  REQUIRE(f.p11()->C_Login(s, CKU_USER, nullptr, 0) == CKR_OK);
  CHECK(f.p11()->C_Login(s, CKU_USER, nullptr, 0) == CKR_USER_ALREADY_LOGGED_IN);
  CK_SESSION_INFO session_info;
  REQUIRE(f.p11()->C_GetSessionInfo(s, &session_info) == CKR_OK);
  CHECK(session_info.state == CKS_RO_USER_FUNCTIONS);

  // What libp11 and pkcs11-provider do on such a token: a context login with no PIN.
  CK_OBJECT_HANDLE handle = f.FindKey(s, key.info.id);
  CK_MECHANISM mech = Mech(CKM_ECDSA_SHA256);
  Bytes data = kDoc;
  REQUIRE(f.p11()->C_SignInit(s, &mech, handle) == CKR_OK);
  REQUIRE(f.p11()->C_Login(s, CKU_CONTEXT_SPECIFIC, nullptr, 0) == CKR_OK);
  CK_ULONG len = 64;
  Bytes sig(len);
  // Nothing deposited yet: refused, and nothing else happens.
  CHECK(f.p11()->C_Sign(s, data.data(), data.size(), sig.data(), &len) == CKR_USER_NOT_LOGGED_IN);
  DepositInKeystore(f.token(), f.token().SadForData("alice", key.info, kDoc));
  REQUIRE(f.p11()->C_SignInit(s, &mech, handle) == CKR_OK);
  REQUIRE(f.p11()->C_Login(s, CKU_CONTEXT_SPECIFIC, nullptr, 0) == CKR_OK);
  len = 64;
  CHECK(f.p11()->C_Sign(s, data.data(), data.size(), sig.data(), &len) == CKR_OK);
  // A SAD given as the PIN still works on such a token.
  Bytes doc2 = ToBytes("with the SAD in the call");
  CHECK(f.SignOnce(s, handle, mech, f.token().SadForData("alice", key.info, doc2), doc2, nullptr) ==
        CKR_OK);
  CHECK(f.p11()->C_Logout(s) == CKR_OK);
}

}  // namespace
}  // namespace samp11::testing
