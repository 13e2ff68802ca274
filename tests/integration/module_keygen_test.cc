// C_GenerateKeyPair: offered only where the token's policy allows it, only to an application
// logged in with a signer's SAD in a R/W session; the key is bound to that signer.
#include <doctest/doctest.h>

#include "tests/integration/module_fixture.h"

namespace samp11::testing {
namespace {

SamPolicy KeygenAllowed() {
  SamPolicy p;
  p.allow_pkcs11_keygen = true;
  return p;
}

struct KeyPair {
  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
};

CK_RV GenerateEc(ModuleFixture& f, CK_SESSION_HANDLE s, const Bytes& id, KeyPair* out,
                 CK_BBOOL extractable = CK_FALSE) {
  CK_BYTE p256[] = {0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
  Bytes id_copy = id;
  CK_ATTRIBUTE pub[] = {{CKA_EC_PARAMS, p256, sizeof p256},
                        {CKA_ID, id_copy.data(), static_cast<CK_ULONG>(id_copy.size())}};
  CK_ATTRIBUTE priv[] = {{CKA_ID, id_copy.data(), static_cast<CK_ULONG>(id_copy.size())},
                         {CKA_EXTRACTABLE, &extractable, sizeof extractable}};
  CK_MECHANISM mech{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  return f.p11()->C_GenerateKeyPair(s, &mech, pub, 2, priv, 2, &out->pub, &out->priv);
}

TEST_CASE("key generation through PKCS#11 is refused unless the policy allows it") {
  ModuleFixture f;
  CK_SESSION_HANDLE s = f.OpenSession(true);
  UnwrappedKey any = f.token().GenerateKey("alice", KeyType::kEcP256);
  REQUIRE(f.Login(s, CKU_USER, f.token().SadForData("alice", any.info, ToBytes("x"))) == CKR_OK);
  KeyPair kp;
  CHECK(GenerateEc(f, s, ToBytes("new"), &kp) == CKR_MECHANISM_INVALID);
}

TEST_CASE("where allowed, the logged-in signer gets a SCAL2 key bound to them") {
  ModuleFixture f({"alice", "bob"}, KeygenAllowed());
  UnwrappedKey existing = f.token().GenerateKey("alice", KeyType::kEcP256);
  CK_SESSION_HANDLE ro = f.OpenSession(false);
  CK_SESSION_HANDLE rw = f.OpenSession(true);
  KeyPair kp;
  CHECK(GenerateEc(f, rw, ToBytes("k1"), &kp) == CKR_USER_NOT_LOGGED_IN);
  REQUIRE(f.Login(rw, CKU_USER, f.token().SadForData("alice", existing.info, ToBytes("x"))) ==
          CKR_OK);
  CHECK(GenerateEc(f, ro, ToBytes("k1"), &kp) == CKR_SESSION_READ_ONLY);
  CHECK(GenerateEc(f, rw, ToBytes("k1"), &kp, CK_TRUE) == CKR_TEMPLATE_INCONSISTENT);
  REQUIRE(GenerateEc(f, rw, ToBytes("k1"), &kp) == CKR_OK);
  CHECK(GenerateEc(f, rw, ToBytes("k1"), &kp) != CKR_OK);  // the id is taken

  auto made = f.token().keystore().keys().FindKeyById(ToBytes("k1"));
  REQUIRE(made.ok());
  REQUIRE(made->has_value());
  CHECK((*made)->owner == "alice");
  CHECK((*made)->scal == 2);
  CK_BBOOL always = CK_FALSE;
  CK_ATTRIBUTE a{CKA_ALWAYS_AUTHENTICATE, &always, sizeof always};
  REQUIRE(f.p11()->C_GetAttributeValue(rw, kp.priv, &a, 1) == CKR_OK);
  CHECK(always == CK_TRUE);
  // And it signs only under a SAD, like any other key.
  Bytes doc = ToBytes("first document of the new key");
  CHECK(f.SignOnce(rw, kp.priv, Mech(CKM_ECDSA_SHA256), "", ToBytes("other"), nullptr) ==
        CKR_FUNCTION_REJECTED);  // the user login's SAD is for another key
  CHECK(f.SignOnce(rw, kp.priv, Mech(CKM_ECDSA_SHA256), f.token().SadForData("alice", **made, doc),
                   doc, nullptr) == CKR_OK);
}

}  // namespace
}  // namespace samp11::testing
