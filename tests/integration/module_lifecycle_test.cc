// Key and signer lifecycle through the built module: what an application sees of a disabled,
// destroyed or uncertified key, and that a change made by another process (the operator's
// `samp11` command, played by the test's own keystore connection) takes effect at once.
#include <doctest/doctest.h>

#include "crypto/keys.h"
#include "crypto/symmetric.h"
#include "pkcs11/samp11_vendor.h"
#include "tests/integration/module_fixture.h"

namespace samp11::testing {
namespace {

const Bytes kDoc = ToBytes("lifecycle document");

struct Setup {
  ModuleFixture f;
  UnwrappedKey key = f.token().GenerateKey("alice", KeyType::kEcP256);
  CK_SESSION_HANDLE session = f.OpenSession();
  CK_OBJECT_HANDLE handle = f.FindKey(session, key.info.id);
  Keystore& operator_view() { return f.token().keystore(); }  // another connection, as the CLI

  std::string Sad() { return f.token().SadForData("alice", key.info, kDoc); }
  CK_RV Sign(const std::string& sad) {
    return f.SignOnce(session, handle, Mech(CKM_ECDSA_SHA256), sad, kDoc, nullptr);
  }
  CK_RV SignInit() {
    CK_MECHANISM mech = Mech(CKM_ECDSA_SHA256);
    return f.p11()->C_SignInit(session, &mech, handle);
  }
  CK_BBOOL CanSign() {
    CK_BBOOL sign = CK_TRUE;
    CK_ATTRIBUTE attr = {CKA_SIGN, &sign, sizeof(sign)};
    REQUIRE(f.p11()->C_GetAttributeValue(session, handle, &attr, 1) == CKR_OK);
    return sign;
  }
  CK_ULONG State() {
    CK_ULONG state = 99;
    CK_ATTRIBUTE attr = {CKA_SAMP11_KEY_STATE, &state, sizeof(state)};
    REQUIRE(f.p11()->C_GetAttributeValue(session, handle, &attr, 1) == CKR_OK);
    return state;
  }
  // Audit records of this key with that event and outcome.
  size_t Records(const std::string& event, const std::string& outcome) {
    AuditFilter filter;
    filter.key_id = key.info.id;
    filter.event = event;
    auto records = operator_view().audit().List(filter, 0);
    REQUIRE(records.ok());
    size_t n = 0;
    for (const AuditRecord& r : *records) n += r.event.outcome == outcome ? 1 : 0;
    return n;
  }
};

constexpr long kDay = 24 * 3600;

TEST_CASE("lifecycle: a disabled key shows CKA_SIGN false and refuses C_SignInit") {
  Setup s;
  CHECK(s.CanSign() == CK_TRUE);
  CHECK(s.State() == CKV_SAMP11_KEY_USABLE);
  REQUIRE(s.operator_view().keys().DisableKey(s.key.info.id, "test").ok());
  CHECK(s.CanSign() == CK_FALSE);
  CHECK(s.State() == CKV_SAMP11_KEY_DISABLED);
  CHECK(s.SignInit() == CKR_KEY_FUNCTION_NOT_PERMITTED);
  CHECK(s.Records("sign", "refused") == 1);
  // Enabled again by the operator: the same SAD, never spent, now signs.
  const std::string sad = s.Sad();
  CHECK(s.Sign(sad) == CKR_KEY_FUNCTION_NOT_PERMITTED);
  REQUIRE(s.operator_view().keys().EnableKey(s.key.info.id, "").ok());
  CHECK(s.CanSign() == CK_TRUE);
  CHECK(s.Sign(sad) == CKR_OK);
  CHECK(s.Sign(sad) == CKR_FUNCTION_REJECTED);  // and only once
}

TEST_CASE("lifecycle: a key disabled between C_SignInit and C_Sign signs nothing, spends nothing") {
  Setup s;
  const std::string sad = s.Sad();
  REQUIRE(s.SignInit() == CKR_OK);
  REQUIRE(s.f.Login(s.session, CKU_CONTEXT_SPECIFIC, sad) == CKR_OK);
  REQUIRE(s.operator_view().keys().DisableKey(s.key.info.id, "").ok());
  Bytes signature(128);
  CK_ULONG length = signature.size();
  CHECK(s.f.p11()->C_Sign(s.session, const_cast<CK_BYTE_PTR>(kDoc.data()), kDoc.size(),
                          signature.data(), &length) == CKR_FUNCTION_REJECTED);
  REQUIRE(s.operator_view().keys().EnableKey(s.key.info.id, "").ok());
  CHECK(s.Sign(sad) == CKR_OK);
}

TEST_CASE("lifecycle: a destroyed key is no longer found, and its handle is invalid") {
  Setup s;
  REQUIRE(s.operator_view().keys().DestroyKey(s.key.info.id, "signer request").ok());
  CHECK(s.f.FindKey(s.session, s.key.info.id) == CK_INVALID_HANDLE);
  CHECK(s.SignInit() == CKR_KEY_HANDLE_INVALID);
  CK_BBOOL sign = CK_TRUE;
  CK_ATTRIBUTE attr = {CKA_SIGN, &sign, sizeof(sign)};
  CHECK(s.f.p11()->C_GetAttributeValue(s.session, s.handle, &attr, 1) == CKR_OBJECT_HANDLE_INVALID);
  // The public key goes with it.
  CHECK(s.f.FindKey(s.session, s.key.info.id, CKO_PUBLIC_KEY) == CK_INVALID_HANDLE);
}

TEST_CASE("lifecycle: a disabled signer's keys refuse to sign") {
  Setup s;
  UnwrappedKey bob_key = s.f.token().GenerateKey("bob", KeyType::kEcP256);
  REQUIRE(s.operator_view().signers().DisableSigner("alice", "").ok());
  CHECK(s.State() == CKV_SAMP11_SIGNER_DISABLED);
  CHECK(s.SignInit() == CKR_KEY_FUNCTION_NOT_PERMITTED);
  CK_OBJECT_HANDLE bob = s.f.FindKey(s.session, bob_key.info.id);
  const std::string bob_sad = s.f.token().SadForData("bob", bob_key.info, kDoc);
  CHECK(s.f.SignOnce(s.session, bob, Mech(CKM_ECDSA_SHA256), bob_sad, kDoc, nullptr) == CKR_OK);
  REQUIRE(s.operator_view().signers().EnableSigner("alice", "").ok());
  CHECK(s.Sign(s.Sad()) == CKR_OK);
}

TEST_CASE("lifecycle: a key signs only while its certificate is valid") {
  Setup s;
  SUBCASE("expired") {
    REQUIRE(s.operator_view()
                .certs()
                .ImportCertificate(s.key.info.id, CertificateFor(s.key.info, -2 * kDay, -kDay), "")
                .ok());
    CHECK(s.State() == CKV_SAMP11_CERTIFICATE_EXPIRED);
    CHECK(s.CanSign() == CK_FALSE);
    CHECK(s.Sign(s.Sad()) == CKR_KEY_FUNCTION_NOT_PERMITTED);
  }
  SUBCASE("not yet valid") {
    REQUIRE(s.operator_view()
                .certs()
                .ImportCertificate(s.key.info.id, CertificateFor(s.key.info, kDay, 2 * kDay), "")
                .ok());
    CHECK(s.State() == CKV_SAMP11_CERTIFICATE_NOT_YET_VALID);
    CHECK(s.SignInit() == CKR_KEY_FUNCTION_NOT_PERMITTED);
  }
  SUBCASE("valid") {
    REQUIRE(s.operator_view()
                .certs()
                .ImportCertificate(s.key.info.id, CertificateFor(s.key.info, -60, kDay), "")
                .ok());
    CHECK(s.State() == CKV_SAMP11_KEY_USABLE);
    CHECK(s.Sign(s.Sad()) == CKR_OK);
  }
}

TEST_CASE("lifecycle: require_certificate refuses keys without one") {
  SamPolicy policy;
  policy.require_certificate = true;
  ModuleFixture f({"alice"}, policy);
  UnwrappedKey key = f.token().GenerateKey("alice", KeyType::kEcP256);
  CK_SESSION_HANDLE session = f.OpenSession();
  CK_OBJECT_HANDLE handle = f.FindKey(session, key.info.id);
  CK_ULONG state = 99;
  CK_ATTRIBUTE attr = {CKA_SAMP11_KEY_STATE, &state, sizeof(state)};
  REQUIRE(f.p11()->C_GetAttributeValue(session, handle, &attr, 1) == CKR_OK);
  CHECK(state == CKV_SAMP11_NO_CERTIFICATE);
  const std::string sad = f.token().SadForData("alice", key.info, kDoc);
  CHECK(f.SignOnce(session, handle, Mech(CKM_ECDSA_SHA256), sad, kDoc, nullptr) ==
        CKR_KEY_FUNCTION_NOT_PERMITTED);
  REQUIRE(f.token()
              .keystore()
              .certs()
              .ImportCertificate(key.info.id, CertificateFor(key.info, -60, kDay), "")
              .ok());
  CHECK(f.SignOnce(session, handle, Mech(CKM_ECDSA_SHA256), sad, kDoc, nullptr) == CKR_OK);
}

}  // namespace
}  // namespace samp11::testing
