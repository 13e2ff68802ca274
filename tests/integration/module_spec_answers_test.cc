// Answers that PKCS#11 prescribes for calls samp11 refuses, each checked against the specification
// and against SoftHSMv2 2.6.1 on the same calls (docs/return-codes.md gives them with the reason).
#include <doctest/doctest.h>

#include <stdlib.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <optional>
#include <utility>
#include <vector>

#include "crypto/digest.h"
#include "crypto/keys.h"
#include "cryptoki/pkcs11_v3.h"
#include "pkcs11/samp11_vendor.h"
#include "tests/integration/module_fixture.h"
#include "tests/integration/verify_with_openssl.h"

namespace samp11::testing {
namespace {

const Bytes kDoc = ToBytes("a document for the specification's answers");

CK_STATE SessionState(ModuleFixture& f, CK_SESSION_HANDLE s) {
  CK_SESSION_INFO info{};
  REQUIRE(f.p11()->C_GetSessionInfo(s, &info) == CKR_OK);
  return info.state;
}

// Points the module's log at a file for the life of the object (SAMP11_LOG_FILE is read at each
// line), and puts the previous value back.
class CapturedLog {
 public:
  CapturedLog() : path_(dir_.path() + "/samp11.log") {
    if (const char* old = getenv("SAMP11_LOG_FILE")) old_ = old;
    setenv("SAMP11_LOG_FILE", path_.c_str(), 1);
  }
  ~CapturedLog() {
    if (old_) {
      setenv("SAMP11_LOG_FILE", old_->c_str(), 1);
    } else {
      unsetenv("SAMP11_LOG_FILE");
    }
  }
  std::string Text() const {
    std::ifstream in(path_);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

 private:
  TempDir dir_;
  std::string path_;
  std::optional<std::string> old_;
};

TEST_CASE("C_Login(CKU_SO): a read-only session, then the user's login, else no SO PIN matches") {
  ModuleFixture f;
  UnwrappedKey key = f.token().GenerateKey("alice", KeyType::kEcP256);
  CK_SESSION_HANDLE ro = f.OpenSession();
  CK_SESSION_HANDLE rw = f.OpenSession(true);
  // Any read-only session of the application with the token refuses it, not only the caller.
  CHECK(f.Login(rw, CKU_SO, "12345678") == CKR_SESSION_READ_ONLY_EXISTS);
  CHECK(f.Login(ro, CKU_SO, "12345678") == CKR_SESSION_READ_ONLY_EXISTS);
  REQUIRE(f.p11()->C_CloseSession(ro) == CKR_OK);

  {
    CapturedLog log;
    CHECK(f.Login(rw, CKU_SO, "so-pin-Zq8v") == CKR_PIN_INCORRECT);
    const std::string text = log.Text();
    CHECK(text.find("CKR_PIN_INCORRECT") != std::string::npos);
    CHECK(text.find("no security officer PIN") != std::string::npos);
    CHECK(text.find("so-pin-Zq8v") == std::string::npos);
  }
  CHECK(f.p11()->C_Login(rw, CKU_SO, nullptr, 8) == CKR_ARGUMENTS_BAD);
  CHECK(f.p11()->C_Login(rw, CKU_SO, nullptr, 0) == CKR_ARGUMENTS_BAD);
  CHECK(SessionState(f, rw) == CKS_RW_PUBLIC_SESSION);  // no SO was ever logged in

  REQUIRE(f.Login(rw, CKU_USER, f.token().SadForData("alice", key.info, kDoc)) == CKR_OK);
  CHECK(f.Login(rw, CKU_SO, "12345678") == CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
  CHECK(SessionState(f, rw) == CKS_RW_USER_FUNCTIONS);
  // An unknown user type is still one.
  CHECK(f.Login(rw, 3, "12345678") == CKR_USER_TYPE_INVALID);
  CHECK(f.Login(rw, 0x80000000UL, "12345678") == CKR_USER_TYPE_INVALID);  // CKU_VENDOR_DEFINED
  CHECK(f.p11()->C_Logout(rw) == CKR_OK);
}

TEST_CASE("C_Login(CKU_SO) on the protected authentication path: still no SO to log in") {
  SamPolicy policy;
  policy.protected_authentication_path = true;
  ModuleFixture f({"alice"}, policy);
  CK_SESSION_HANDLE rw = f.OpenSession(true);
  CHECK(f.p11()->C_Login(rw, CKU_SO, nullptr, 0) == CKR_PIN_INCORRECT);
  CHECK(SessionState(f, rw) == CKS_RW_PUBLIC_SESSION);
}

// The only objects an application creates: a SAD deposited as a session object.
CK_OBJECT_HANDLE CreateDeposit(ModuleFixture& f, CK_SESSION_HANDLE s, const std::string& sad) {
  CK_OBJECT_CLASS klass = CKO_SAMP11_SAD;
  std::string value = sad;
  CK_ATTRIBUTE t[] = {{CKA_CLASS, &klass, sizeof klass},
                      {CKA_VALUE, value.data(), static_cast<CK_ULONG>(value.size())}};
  CK_OBJECT_HANDLE object = CK_INVALID_HANDLE;
  REQUIRE(f.p11()->C_CreateObject(s, t, 2, &object) == CKR_OK);
  return object;
}

CK_OBJECT_HANDLE FindCertificate(ModuleFixture& f, CK_SESSION_HANDLE s, const Bytes& key_id) {
  CK_OBJECT_CLASS klass = CKO_CERTIFICATE;
  Bytes id = key_id;
  CK_ATTRIBUTE t[] = {{CKA_CLASS, &klass, sizeof klass},
                      {CKA_ID, id.data(), static_cast<CK_ULONG>(id.size())}};
  CK_OBJECT_HANDLE found = CK_INVALID_HANDLE;
  CK_ULONG n = 0;
  REQUIRE(f.p11()->C_FindObjectsInit(s, t, 2) == CKR_OK);
  REQUIRE(f.p11()->C_FindObjects(s, &found, 1, &n) == CKR_OK);
  REQUIRE(f.p11()->C_FindObjectsFinal(s) == CKR_OK);
  REQUIRE(n == 1);
  return found;
}

// One object of each kind samp11 shows: private key, public key, certificate, SAD deposit.
struct EveryKindOfObject {
  ModuleFixture f;
  UnwrappedKey key = f.token().GenerateKey("alice", KeyType::kEcP256);
  CK_SESSION_HANDLE rw = f.OpenSession(true);
  CK_SESSION_HANDLE ro = f.OpenSession();
  CK_OBJECT_HANDLE private_key = f.FindKey(rw, key.info.id);
  CK_OBJECT_HANDLE public_key = f.FindKey(rw, key.info.id, CKO_PUBLIC_KEY);
  CK_OBJECT_HANDLE certificate = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE deposit = CK_INVALID_HANDLE;

  EveryKindOfObject() {
    REQUIRE(f.token()
                .keystore()
                .certs()
                .ImportCertificate(key.info.id, CertificateFor(key.info, -60, 24 * 3600), "")
                .ok());
    certificate = FindCertificate(f, rw, key.info.id);
    deposit = CreateDeposit(f, rw, f.token().SadForData("alice", key.info, kDoc));
  }
};

TEST_CASE("C_SetAttributeValue on an object with CKA_MODIFIABLE false: CKR_ACTION_PROHIBITED") {
  EveryKindOfObject o;
  const std::pair<const char*, CK_OBJECT_HANDLE> objects[] = {{"private key", o.private_key},
                                                              {"public key", o.public_key},
                                                              {"certificate", o.certificate},
                                                              {"SAD deposit", o.deposit}};
  std::string label = "renamed";
  CK_ATTRIBUTE relabel{CKA_LABEL, label.data(), static_cast<CK_ULONG>(label.size())};
  CK_BYTE junk = 1;
  CK_ATTRIBUTE unknown{0x7fff0001UL, &junk, 1};
  for (const auto& entry : objects) {
    // Named, not bound: CAPTURE takes a reference, and clang 14 cannot capture a
    // structured binding.
    const auto& name = entry.first;
    const auto& handle = entry.second;
    CAPTURE(name);
    REQUIRE(handle != CK_INVALID_HANDLE);
    CK_BBOOL modifiable = CK_TRUE;
    CK_ATTRIBUTE read{CKA_MODIFIABLE, &modifiable, sizeof modifiable};
    REQUIRE(o.f.p11()->C_GetAttributeValue(o.rw, handle, &read, 1) == CKR_OK);
    CHECK(modifiable == CK_FALSE);
    // Whatever the template, and in either kind of session: the object is never modifiable.
    CHECK(o.f.p11()->C_SetAttributeValue(o.rw, handle, &relabel, 1) == CKR_ACTION_PROHIBITED);
    CHECK(o.f.p11()->C_SetAttributeValue(o.rw, handle, &unknown, 1) == CKR_ACTION_PROHIBITED);
    CHECK(o.f.p11()->C_SetAttributeValue(o.ro, handle, &relabel, 1) == CKR_ACTION_PROHIBITED);
    CHECK(o.f.p11()->C_SetAttributeValue(o.rw, handle, nullptr, 0) == CKR_ACTION_PROHIBITED);
  }
  // Nothing changed.
  char got[64] = {};
  CK_ATTRIBUTE read_label{CKA_LABEL, got, sizeof got};
  REQUIRE(o.f.p11()->C_GetAttributeValue(o.rw, o.private_key, &read_label, 1) == CKR_OK);
  CHECK(std::string(got, read_label.ulValueLen) == o.key.info.label);
  // Handles that name nothing are still that.
  CHECK(o.f.p11()->C_SetAttributeValue(o.rw, 0x7777'7770UL, &relabel, 1) ==
        CKR_OBJECT_HANDLE_INVALID);
  REQUIRE(o.f.p11()->C_DestroyObject(o.rw, o.deposit) == CKR_OK);
  CHECK(o.f.p11()->C_SetAttributeValue(o.rw, o.deposit, &relabel, 1) == CKR_OBJECT_HANDLE_INVALID);
}

// C_CreateObject of template t, and of t reversed.
std::pair<CK_RV, CK_RV> CreateBothOrders(ModuleFixture& f, CK_SESSION_HANDLE s,
                                         std::vector<CK_ATTRIBUTE> t) {
  CK_OBJECT_HANDLE o = CK_INVALID_HANDLE;
  const CK_RV forward = f.p11()->C_CreateObject(s, t.data(), static_cast<CK_ULONG>(t.size()), &o);
  std::reverse(t.begin(), t.end());
  const CK_RV backward = f.p11()->C_CreateObject(s, t.data(), static_cast<CK_ULONG>(t.size()), &o);
  return {forward, backward};
}

TEST_CASE("C_CreateObject: the class decides the answer, wherever CKA_CLASS stands") {
  ModuleFixture f;
  CK_SESSION_HANDLE s = f.OpenSession(true);
  using Answers = std::pair<CK_RV, CK_RV>;
  const Answers inconsistent{CKR_TEMPLATE_INCONSISTENT, CKR_TEMPLATE_INCONSISTENT};
  CK_BYTE app[] = {'x'};
  CK_ATTRIBUTE application{CKA_APPLICATION, app, sizeof app};
  // A class PKCS#11 defines, that this token does not create ("a template with an attribute
  // that violates some token specific requirement"), whatever the other attributes.
  CK_OBJECT_CLASS data = CKO_DATA, private_key = CKO_PRIVATE_KEY, certificate = CKO_CERTIFICATE;
  CK_KEY_TYPE ec = CKK_EC;
  std::string sad = "not even a SAD";
  CK_ATTRIBUTE value{CKA_VALUE, sad.data(), static_cast<CK_ULONG>(sad.size())};
  CHECK(CreateBothOrders(f, s, {{CKA_CLASS, &data, sizeof data}, application}) == inconsistent);
  CHECK(CreateBothOrders(f, s,
                         {{CKA_CLASS, &private_key, sizeof private_key},
                          {CKA_KEY_TYPE, &ec, sizeof ec}}) == inconsistent);
  CHECK(CreateBothOrders(f, s, {{CKA_CLASS, &certificate, sizeof certificate}, value}) ==
        inconsistent);
  CHECK(CreateBothOrders(f, s, {{CKA_CLASS, &data, sizeof data}}) == inconsistent);
  // A value that is no object class at all is an invalid value.
  CK_OBJECT_CLASS nonsense = 0x4242;
  CHECK(CreateBothOrders(f, s, {{CKA_CLASS, &nonsense, sizeof nonsense}, application}) ==
        Answers{CKR_ATTRIBUTE_VALUE_INVALID, CKR_ATTRIBUTE_VALUE_INVALID});
  // No CKA_CLASS: too little to say what to create, whatever else is there.
  const Answers incomplete{CKR_TEMPLATE_INCOMPLETE, CKR_TEMPLATE_INCOMPLETE};
  CHECK(CreateBothOrders(f, s, {application, value}) == incomplete);
  CHECK(CreateBothOrders(f, s, {value}) == incomplete);
  CHECK(CreateBothOrders(f, s, {}) == incomplete);
  // Two classes in one template.
  CK_OBJECT_CLASS deposit = CKO_SAMP11_SAD;
  CHECK(
      CreateBothOrders(
          f, s, {{CKA_CLASS, &deposit, sizeof deposit}, value, {CKA_CLASS, &data, sizeof data}}) ==
      inconsistent);
  // A deposit is still judged by its own attributes.
  CHECK(CreateBothOrders(f, s, {{CKA_CLASS, &deposit, sizeof deposit}, value, application}) ==
        Answers{CKR_ATTRIBUTE_TYPE_INVALID, CKR_ATTRIBUTE_TYPE_INVALID});
  CHECK(CreateBothOrders(f, s, {{CKA_CLASS, &deposit, sizeof deposit}, value}) ==
        Answers{CKR_ATTRIBUTE_VALUE_INVALID, CKR_ATTRIBUTE_VALUE_INVALID});
}

TEST_CASE("C_SignInit and C_VerifyInit: a key of the other kind may not, a non-key is no key") {
  EveryKindOfObject o;
  ModuleFixture& f = o.f;
  CK_MECHANISM mech = Mech(CKM_ECDSA_SHA256);
  // PKCS#11: CKA_SIGN (CKA_VERIFY) of the key must be CK_TRUE; a public key has no CKA_SIGN, a
  // private key no CKA_VERIFY: CKR_KEY_FUNCTION_NOT_PERMITTED, as SoftHSMv2 answers.
  CHECK(f.p11()->C_SignInit(o.rw, &mech, o.public_key) == CKR_KEY_FUNCTION_NOT_PERMITTED);
  CK_MECHANISM rsa = Mech(CKM_SHA256_RSA_PKCS);  // before the mechanism's fit to the key
  CHECK(f.p11()->C_SignInit(o.rw, &rsa, o.public_key) == CKR_KEY_FUNCTION_NOT_PERMITTED);
  CHECK(f.p11()->C_VerifyInit(o.rw, &mech, o.private_key) == CKR_KEY_FUNCTION_NOT_PERMITTED);
  // "It may be the case that the specified handle is a valid handle for an object which is not
  // a key": CKR_KEY_HANDLE_INVALID, the spec's own words for it.
  for (CK_OBJECT_HANDLE not_a_key : {o.certificate, o.deposit}) {
    CAPTURE(not_a_key);
    CHECK(f.p11()->C_SignInit(o.rw, &mech, not_a_key) == CKR_KEY_HANDLE_INVALID);
    CHECK(f.p11()->C_VerifyInit(o.rw, &mech, not_a_key) == CKR_KEY_HANDLE_INVALID);
  }
  // A key handle of either kind whose row does not exist names no key.
  const CK_OBJECT_HANDLE missing_row = ((o.private_key >> 2) + 1000) << 2;
  CHECK(f.p11()->C_SignInit(o.rw, &mech, missing_row | 2) == CKR_KEY_HANDLE_INVALID);
  CHECK(f.p11()->C_VerifyInit(o.rw, &mech, missing_row | 1) == CKR_KEY_HANDLE_INVALID);
  // None of those began an operation: the right keys still do.
  Bytes signature;
  const std::string sad = f.token().SadForData("alice", o.key.info, kDoc);
  REQUIRE(f.SignOnce(o.rw, o.private_key, mech, sad, kDoc, &signature) == CKR_OK);
  REQUIRE(f.p11()->C_VerifyInit(o.rw, &mech, o.public_key) == CKR_OK);
  Bytes doc = kDoc;
  CHECK(f.p11()->C_Verify(o.rw, doc.data(), doc.size(), signature.data(), signature.size()) ==
        CKR_OK);

  // A private key hidden by another signer's login is no key for this session, for either use:
  // the answer does not tell that it exists.
  UnwrappedKey bobs = f.token().GenerateKey("bob", KeyType::kEcP256);
  REQUIRE(f.Login(o.rw, CKU_USER, f.token().SadForData("bob", bobs.info, kDoc)) == CKR_OK);
  CHECK(f.p11()->C_SignInit(o.rw, &mech, o.private_key) == CKR_KEY_HANDLE_INVALID);
  CHECK(f.p11()->C_VerifyInit(o.rw, &mech, o.private_key) == CKR_KEY_HANDLE_INVALID);
  CHECK(f.p11()->C_SignInit(o.rw, &mech, o.public_key) == CKR_KEY_FUNCTION_NOT_PERMITTED);
}

// A mechanism as an application passes it, with PSS parameters where it takes them.
struct MechanismCase {
  const char* name;
  KeyType key;
  CK_MECHANISM_TYPE type;
  Scheme scheme;
};

CK_RSA_PKCS_PSS_PARAMS pss_params{CKM_SHA256, CKG_MGF1_SHA256, 32};

CK_MECHANISM MechanismOf(const MechanismCase& c) {
  CK_MECHANISM m = Mech(c.type);
  if (c.type == CKM_RSA_PKCS_PSS || c.type == CKM_SHA256_RSA_PKCS_PSS) {
    m.pParameter = &pss_params;
    m.ulParameterLen = sizeof pss_params;
  }
  return m;
}

TEST_CASE("single-part mechanisms refuse C_SignUpdate and C_SignFinal, which end the operation") {
  // PKCS#11 marks them "single-part operations only"; SoftHSMv2 answers
  // CKR_OPERATION_NOT_INITIALIZED. PKCS#11: an error from C_SignUpdate, and any C_SignFinal but a
  // length answer, ends the signing operation.
  const MechanismCase cases[] = {
      {"CKM_ECDSA", KeyType::kEcP256, CKM_ECDSA, Scheme::kEcdsa},
      {"CKM_RSA_PKCS", KeyType::kRsa2048, CKM_RSA_PKCS, Scheme::kRsaPkcs1},
      {"CKM_RSA_PKCS_PSS", KeyType::kRsa2048, CKM_RSA_PKCS_PSS, Scheme::kRsaPss}};
  ModuleFixture f;
  CK_SESSION_HANDLE s = f.OpenSession();
  const Bytes hash = Digest(HashAlg::kSha256, kDoc);
  for (const MechanismCase& c : cases) {
    CAPTURE(c.name);
    UnwrappedKey key = f.token().GenerateKey("alice", c.key);
    CK_OBJECT_HANDLE handle = f.FindKey(s, key.info.id);
    CK_MECHANISM mech = MechanismOf(c);
    Bytes data = c.type == CKM_RSA_PKCS ? MakeDigestInfo(HashAlg::kSha256, hash) : hash;
    const std::string sad = f.token().SadForData("alice", key.info, kDoc);
    Bytes out(1024);
    CK_ULONG len = out.size();

    // C_SignUpdate, even after a context login: refused, and the operation is over.
    REQUIRE(f.p11()->C_SignInit(s, &mech, handle) == CKR_OK);
    REQUIRE(f.Login(s, CKU_CONTEXT_SPECIFIC, sad) == CKR_OK);
    CHECK(f.p11()->C_SignUpdate(s, data.data(), data.size()) == CKR_OPERATION_NOT_INITIALIZED);
    CHECK(f.p11()->C_Sign(s, data.data(), data.size(), out.data(), &len) ==
          CKR_OPERATION_NOT_INITIALIZED);
    CHECK(f.p11()->C_SignFinal(s, out.data(), &len) == CKR_OPERATION_NOT_INITIALIZED);

    // C_SignFinal, a length query included: refused, and the operation is over.
    REQUIRE(f.p11()->C_SignInit(s, &mech, handle) == CKR_OK);
    len = 0;
    CHECK(f.p11()->C_SignFinal(s, nullptr, &len) == CKR_OPERATION_NOT_INITIALIZED);
    len = out.size();
    CHECK(f.p11()->C_Sign(s, data.data(), data.size(), out.data(), &len) ==
          CKR_OPERATION_NOT_INITIALIZED);

    // C_Sign still signs, with the SAD none of that spent.
    Bytes signature;
    REQUIRE(f.SignOnce(s, handle, mech, sad, data, &signature) == CKR_OK);
    EvpPkeyPtr pub = PublicKeyOf(key.info);
    CHECK(VerifyDocument(pub.get(), c.scheme, EVP_sha256(), kDoc, signature));
  }
}

TEST_CASE("multi-part mechanisms, CKM_EDDSA among them, sign through C_SignUpdate/C_SignFinal") {
  const MechanismCase cases[] = {
      {"CKM_ECDSA_SHA256", KeyType::kEcP256, CKM_ECDSA_SHA256, Scheme::kEcdsa},
      {"CKM_SHA256_RSA_PKCS", KeyType::kRsa2048, CKM_SHA256_RSA_PKCS, Scheme::kRsaPkcs1},
      {"CKM_SHA256_RSA_PKCS_PSS", KeyType::kRsa2048, CKM_SHA256_RSA_PKCS_PSS, Scheme::kRsaPss},
      // PKCS#11 3.0: "a mechanism for single-part and multipart signatures and verification".
      {"CKM_EDDSA", KeyType::kEd25519, CKM_EDDSA, Scheme::kEd25519}};
  ModuleFixture f;
  CK_SESSION_HANDLE s = f.OpenSession();
  const Bytes part1(kDoc.begin(), kDoc.begin() + 11), part2(kDoc.begin() + 11, kDoc.end());
  for (const MechanismCase& c : cases) {
    CAPTURE(c.name);
    UnwrappedKey key = f.token().GenerateKey("alice", c.key);
    CK_OBJECT_HANDLE handle = f.FindKey(s, key.info.id);
    CK_MECHANISM mech = MechanismOf(c);
    REQUIRE(f.p11()->C_SignInit(s, &mech, handle) == CKR_OK);
    REQUIRE(f.Login(s, CKU_CONTEXT_SPECIFIC, f.token().SadForData("alice", key.info, kDoc)) ==
            CKR_OK);
    Bytes a = part1, b = part2;
    REQUIRE(f.p11()->C_SignUpdate(s, a.data(), a.size()) == CKR_OK);
    REQUIRE(f.p11()->C_SignUpdate(s, b.data(), b.size()) == CKR_OK);
    CK_ULONG len = 0;
    REQUIRE(f.p11()->C_SignFinal(s, nullptr, &len) == CKR_OK);
    Bytes signature(len);
    REQUIRE(f.p11()->C_SignFinal(s, signature.data(), &len) == CKR_OK);
    signature.resize(len);
    EvpPkeyPtr pub = PublicKeyOf(key.info);
    CHECK(VerifyDocument(pub.get(), c.scheme, EVP_sha256(), kDoc, signature));
  }
}

TEST_CASE("single-part mechanisms refuse C_VerifyUpdate and C_VerifyFinal, which end it") {
  ModuleFixture f;
  CK_SESSION_HANDLE s = f.OpenSession();
  UnwrappedKey key = f.token().GenerateKey("alice", KeyType::kEcP256);
  CK_OBJECT_HANDLE priv = f.FindKey(s, key.info.id);
  CK_OBJECT_HANDLE pub = f.FindKey(s, key.info.id, CKO_PUBLIC_KEY);
  Bytes hash = Digest(HashAlg::kSha256, kDoc);
  SadSpec spec;
  spec.hashes = {hash};
  Bytes signature;
  CK_MECHANISM ecdsa = Mech(CKM_ECDSA);
  REQUIRE(f.SignOnce(s, priv, ecdsa, f.token().Sad("alice", key.info, spec), hash, &signature) ==
          CKR_OK);

  REQUIRE(f.p11()->C_VerifyInit(s, &ecdsa, pub) == CKR_OK);
  CHECK(f.p11()->C_VerifyUpdate(s, hash.data(), hash.size()) == CKR_OPERATION_NOT_INITIALIZED);
  CHECK(f.p11()->C_Verify(s, hash.data(), hash.size(), signature.data(), signature.size()) ==
        CKR_OPERATION_NOT_INITIALIZED);
  REQUIRE(f.p11()->C_VerifyInit(s, &ecdsa, pub) == CKR_OK);
  CHECK(f.p11()->C_VerifyFinal(s, signature.data(), signature.size()) ==
        CKR_OPERATION_NOT_INITIALIZED);
  CHECK(f.p11()->C_Verify(s, hash.data(), hash.size(), signature.data(), signature.size()) ==
        CKR_OPERATION_NOT_INITIALIZED);
  // C_Verify verifies; a mechanism that hashes verifies in parts.
  REQUIRE(f.p11()->C_VerifyInit(s, &ecdsa, pub) == CKR_OK);
  CHECK(f.p11()->C_Verify(s, hash.data(), hash.size(), signature.data(), signature.size()) ==
        CKR_OK);
  CK_MECHANISM hashing = Mech(CKM_ECDSA_SHA256);
  Bytes doc = kDoc;
  REQUIRE(f.p11()->C_VerifyInit(s, &hashing, pub) == CKR_OK);
  REQUIRE(f.p11()->C_VerifyUpdate(s, doc.data(), 5) == CKR_OK);
  REQUIRE(f.p11()->C_VerifyUpdate(s, doc.data() + 5, doc.size() - 5) == CKR_OK);
  CHECK(f.p11()->C_VerifyFinal(s, signature.data(), signature.size()) == CKR_OK);
}

}  // namespace
}  // namespace samp11::testing
