// The PKCS#11 surface as the specification describes it: initialization, information, slots,
// sessions, objects and attributes, logins, interfaces, and argument checking.
#include <doctest/doctest.h>

#include <dlfcn.h>

#include <cstring>
#include <mutex>
#include <set>

#include "crypto/keys.h"
#include "cryptoki/pkcs11_v3.h"
#include "tests/integration/module_fixture.h"

namespace samp11::testing {
namespace {

std::string Trim(const CK_UTF8CHAR* text, size_t size) {
  std::string s(reinterpret_cast<const char*>(text), size);
  return s.substr(0, s.find_last_not_of(' ') + 1);
}

TEST_CASE("C_Initialize: arguments, twice, and calls before it") {
  CK_FUNCTION_LIST_PTR p11 = LoadModule();
  CK_INFO info;
  CHECK(p11->C_GetInfo(&info) == CKR_CRYPTOKI_NOT_INITIALIZED);
  TestToken token;
  setenv("SAMP11_CONF", token.config_path().c_str(), 1);
  CK_C_INITIALIZE_ARGS reserved{};
  reserved.pReserved = &reserved;
  CHECK(p11->C_Initialize(&reserved) == CKR_ARGUMENTS_BAD);
  CK_C_INITIALIZE_ARGS partial{};
  partial.CreateMutex = reinterpret_cast<CK_CREATEMUTEX>(1);
  CHECK(p11->C_Initialize(&partial) == CKR_ARGUMENTS_BAD);
  REQUIRE(p11->C_Initialize(nullptr) == CKR_OK);
  CHECK(p11->C_Initialize(nullptr) == CKR_CRYPTOKI_ALREADY_INITIALIZED);
  CHECK(p11->C_Finalize(&reserved) == CKR_ARGUMENTS_BAD);
  CHECK(p11->C_Finalize(nullptr) == CKR_OK);
  CHECK(p11->C_Finalize(nullptr) == CKR_CRYPTOKI_NOT_INITIALIZED);
}

TEST_CASE("C_Initialize: a log setting it cannot obey is CKR_GENERAL_ERROR, not silence") {
  CK_FUNCTION_LIST_PTR p11 = LoadModule();
  TestToken token;
  setenv("SAMP11_CONF", token.config_path().c_str(), 1);
  SUBCASE("an unknown level") {
    setenv("SAMP11_LOG_LEVEL", "verbose", 1);
    CHECK(p11->C_Initialize(nullptr) == CKR_GENERAL_ERROR);
    unsetenv("SAMP11_LOG_LEVEL");
  }
  SUBCASE("an unknown format") {
    setenv("SAMP11_LOG_FORMAT", "xml", 1);
    CHECK(p11->C_Initialize(nullptr) == CKR_GENERAL_ERROR);
    unsetenv("SAMP11_LOG_FORMAT");
  }
  SUBCASE("a syslog socket that is not there") {
    setenv("SAMP11_LOG_TARGET", "syslog:/nonexistent-samp11-folder/log", 1);
    CHECK(p11->C_Initialize(nullptr) == CKR_GENERAL_ERROR);
    unsetenv("SAMP11_LOG_TARGET");
  }
  SUBCASE("a log file in a folder that does not exist") {
    setenv("SAMP11_LOG_FILE", "/nonexistent-samp11-folder/samp11.log", 1);
    CHECK(p11->C_Initialize(nullptr) == CKR_GENERAL_ERROR);
    unsetenv("SAMP11_LOG_FILE");
  }
  // Set right, the same module starts.
  REQUIRE(p11->C_Initialize(nullptr) == CKR_OK);
  CHECK(p11->C_Finalize(nullptr) == CKR_OK);
}

TEST_CASE("C_Initialize with the application's mutex callbacks") {
  CK_FUNCTION_LIST_PTR p11 = LoadModule();
  TestToken token;
  setenv("SAMP11_CONF", token.config_path().c_str(), 1);
  static int creates = 0;
  CK_C_INITIALIZE_ARGS args{};
  args.CreateMutex = [](CK_VOID_PTR_PTR m) -> CK_RV {
    ++creates;
    *m = new std::mutex;
    return CKR_OK;
  };
  args.DestroyMutex = [](CK_VOID_PTR m) -> CK_RV {
    delete static_cast<std::mutex*>(m);
    return CKR_OK;
  };
  args.LockMutex = [](CK_VOID_PTR m) -> CK_RV {
    static_cast<std::mutex*>(m)->lock();
    return CKR_OK;
  };
  args.UnlockMutex = [](CK_VOID_PTR m) -> CK_RV {
    static_cast<std::mutex*>(m)->unlock();
    return CKR_OK;
  };
  REQUIRE(p11->C_Initialize(&args) == CKR_OK);
  CHECK(creates > 0);
  CK_SESSION_HANDLE s;
  CHECK(p11->C_OpenSession(0, CKF_SERIAL_SESSION, nullptr, nullptr, &s) == CKR_OK);
  CHECK(p11->C_Finalize(nullptr) == CKR_OK);
}

TEST_CASE("library, slot and token information") {
  ModuleFixture f;
  CK_INFO info;
  REQUIRE(f.p11()->C_GetInfo(&info) == CKR_OK);
  CHECK(info.cryptokiVersion.major == 2);
  CHECK(info.cryptokiVersion.minor == 40);
  // The project's version (CMakeLists.txt), not a number of its own.
  CHECK(info.libraryVersion.major == SAMP11_VERSION_MAJOR);
  CHECK(info.libraryVersion.minor == SAMP11_VERSION_MINOR);
  CHECK(Trim(info.manufacturerID, sizeof info.manufacturerID) == "samp11");
  // Whole words (pkcs11-tool -I prints it), within the field's 32 bytes.
  CHECK(Trim(info.libraryDescription, sizeof info.libraryDescription) ==
        "samp11 Sig. Activation Module");
  CHECK(f.p11()->C_GetInfo(nullptr) == CKR_ARGUMENTS_BAD);

  CK_ULONG count = 0;
  REQUIRE(f.p11()->C_GetSlotList(CK_TRUE, nullptr, &count) == CKR_OK);
  CHECK(count == 1);
  CK_SLOT_ID none[1];
  CK_ULONG zero = 0;
  CHECK(f.p11()->C_GetSlotList(CK_TRUE, none, &zero) == CKR_BUFFER_TOO_SMALL);
  CHECK(zero == 1);

  CK_TOKEN_INFO token;
  REQUIRE(f.p11()->C_GetTokenInfo(f.slot(), &token) == CKR_OK);
  CHECK(Trim(token.label, sizeof token.label) == "test");
  CHECK(Trim(token.serialNumber, sizeof token.serialNumber) ==
        f.token().keystore().identity().substr(0, 16));
  CHECK((token.flags & CKF_TOKEN_INITIALIZED) != 0);
  CHECK((token.flags & CKF_LOGIN_REQUIRED) != 0);
  CHECK((token.flags & CKF_PROTECTED_AUTHENTICATION_PATH) == 0);
  CHECK(token.ulMaxPinLen == kMaxSadLength);
  CHECK(f.p11()->C_GetTokenInfo(99, &token) == CKR_SLOT_ID_INVALID);
}

TEST_CASE("mechanisms offered") {
  ModuleFixture f;
  CK_ULONG count = 0;
  REQUIRE(f.p11()->C_GetMechanismList(f.slot(), nullptr, &count) == CKR_OK);
  std::vector<CK_MECHANISM_TYPE> list(count);
  REQUIRE(f.p11()->C_GetMechanismList(f.slot(), list.data(), &count) == CKR_OK);
  std::set<CK_MECHANISM_TYPE> got(list.begin(), list.end());
  for (CK_MECHANISM_TYPE m :
       {CKM_ECDSA, CKM_ECDSA_SHA256, CKM_ECDSA_SHA384, CKM_ECDSA_SHA512, CKM_RSA_PKCS,
        CKM_SHA256_RSA_PKCS, CKM_SHA384_RSA_PKCS, CKM_SHA512_RSA_PKCS, CKM_RSA_PKCS_PSS,
        CKM_SHA256_RSA_PKCS_PSS, CKM_SHA384_RSA_PKCS_PSS, CKM_SHA512_RSA_PKCS_PSS, CKM_EDDSA}) {
    CAPTURE(m);
    CHECK(got.count(m) == 1);
    CK_MECHANISM_INFO info;
    REQUIRE(f.p11()->C_GetMechanismInfo(f.slot(), m, &info) == CKR_OK);
    CHECK((info.flags & CKF_SIGN) != 0);
    CHECK((info.flags & CKF_VERIFY) != 0);
  }
  // Key generation through PKCS#11 is off by default.
  CHECK(got.count(CKM_EC_KEY_PAIR_GEN) == 0);
  CK_MECHANISM_INFO info;
  CHECK(f.p11()->C_GetMechanismInfo(f.slot(), CKM_AES_GCM, &info) == CKR_MECHANISM_INVALID);
}

TEST_CASE("sessions: flags, handles, states") {
  ModuleFixture f;
  CK_SESSION_HANDLE s;
  CHECK(f.p11()->C_OpenSession(f.slot(), 0, nullptr, nullptr, &s) ==
        CKR_SESSION_PARALLEL_NOT_SUPPORTED);
  CHECK(f.p11()->C_OpenSession(f.slot(), CKF_SERIAL_SESSION, nullptr, nullptr, nullptr) ==
        CKR_ARGUMENTS_BAD);
  CK_SESSION_HANDLE ro = f.OpenSession(false), rw = f.OpenSession(true);
  CHECK(ro != rw);
  CK_SESSION_INFO info;
  REQUIRE(f.p11()->C_GetSessionInfo(ro, &info) == CKR_OK);
  CHECK(info.state == CKS_RO_PUBLIC_SESSION);
  REQUIRE(f.p11()->C_GetSessionInfo(rw, &info) == CKR_OK);
  CHECK(info.state == CKS_RW_PUBLIC_SESSION);
  CHECK(f.p11()->C_CloseSession(ro) == CKR_OK);
  CHECK(f.p11()->C_GetSessionInfo(ro, &info) == CKR_SESSION_HANDLE_INVALID);
  CHECK(f.p11()->C_CloseSession(ro) == CKR_SESSION_HANDLE_INVALID);
  CHECK(f.p11()->C_CloseAllSessions(f.slot()) == CKR_OK);
  CHECK(f.p11()->C_GetSessionInfo(rw, &info) == CKR_SESSION_HANDLE_INVALID);
}

CK_RV GetAttr(ModuleFixture& f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type,
              Bytes* value) {
  CK_ATTRIBUTE a{type, nullptr, 0};
  CK_RV rv = f.p11()->C_GetAttributeValue(s, o, &a, 1);
  if (rv != CKR_OK) return rv;
  value->assign(a.ulValueLen, 0);
  a.pValue = value->data();
  return f.p11()->C_GetAttributeValue(s, o, &a, 1);
}

CK_BBOOL Bool(ModuleFixture& f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t) {
  Bytes v;
  REQUIRE(GetAttr(f, s, o, t, &v) == CKR_OK);
  REQUIRE(v.size() == 1);
  return v[0];
}

TEST_CASE("private, public key and certificate objects carry the attributes consumers read") {
  ModuleFixture f;
  UnwrappedKey ec = f.token().GenerateKey("alice", KeyType::kEcP256);
  UnwrappedKey rsa = f.token().GenerateKey("alice", KeyType::kRsa2048);
  CK_SESSION_HANDLE s = f.OpenSession();
  CK_OBJECT_HANDLE priv = f.FindKey(s, ec.info.id);
  REQUIRE(priv != CK_INVALID_HANDLE);
  CHECK(Bool(f, s, priv, CKA_ALWAYS_AUTHENTICATE) == CK_TRUE);
  CHECK(Bool(f, s, priv, CKA_SENSITIVE) == CK_TRUE);
  CHECK(Bool(f, s, priv, CKA_EXTRACTABLE) == CK_FALSE);
  CHECK(Bool(f, s, priv, CKA_NEVER_EXTRACTABLE) == CK_TRUE);
  CHECK(Bool(f, s, priv, CKA_SIGN) == CK_TRUE);
  CHECK(Bool(f, s, priv, CKA_TOKEN) == CK_TRUE);
  Bytes v;
  REQUIRE(GetAttr(f, s, priv, CKA_EC_PARAMS, &v) == CKR_OK);
  CHECK(HexEncode(v) == "06082a8648ce3d030107");
  REQUIRE(GetAttr(f, s, priv, CKA_LABEL, &v) == CKR_OK);
  CHECK(ToString(v) == ec.info.label);
  CK_ATTRIBUTE secret{CKA_VALUE, nullptr, 0};
  CHECK(f.p11()->C_GetAttributeValue(s, priv, &secret, 1) == CKR_ATTRIBUTE_SENSITIVE);
  CHECK(secret.ulValueLen == CK_UNAVAILABLE_INFORMATION);

  // Several attributes at once: an unknown one is marked and reported, the others still filled.
  CK_KEY_TYPE kt = 0;
  CK_BYTE id[64];
  CK_ATTRIBUTE many[] = {
      {CKA_KEY_TYPE, &kt, sizeof kt}, {0x8123'4567UL, nullptr, 0}, {CKA_ID, id, sizeof id}};
  CHECK(f.p11()->C_GetAttributeValue(s, priv, many, 3) == CKR_ATTRIBUTE_TYPE_INVALID);
  CHECK(kt == CKK_EC);
  CHECK(many[1].ulValueLen == CK_UNAVAILABLE_INFORMATION);
  CHECK(Bytes(id, id + many[2].ulValueLen) == ec.info.id);
  CK_BYTE tiny[1];
  CK_ATTRIBUTE small{CKA_EC_POINT, tiny, sizeof tiny};
  CHECK(f.p11()->C_GetAttributeValue(s, priv, &small, 1) == CKR_BUFFER_TOO_SMALL);

  CK_OBJECT_HANDLE pub = f.FindKey(s, rsa.info.id, CKO_PUBLIC_KEY);
  REQUIRE(pub != CK_INVALID_HANDLE);
  REQUIRE(GetAttr(f, s, pub, CKA_MODULUS, &v) == CKR_OK);
  auto parts = RsaPublic(PublicKeyOf(rsa.info).get());
  REQUIRE(parts.ok());
  CHECK(v == parts->modulus);
  CHECK(Bool(f, s, pub, CKA_VERIFY) == CK_TRUE);

  CHECK(f.p11()->C_GetAttributeValue(s, 0x7777'7770UL, many, 1) == CKR_OBJECT_HANDLE_INVALID);
  CHECK(f.p11()->C_GetAttributeValue(s, priv, nullptr, 1) == CKR_ARGUMENTS_BAD);
}

TEST_CASE("find by class, id and label; empty template lists everything") {
  ModuleFixture f;
  UnwrappedKey a = f.token().GenerateKey("alice", KeyType::kEcP256);
  UnwrappedKey b = f.token().GenerateKey("bob", KeyType::kEd25519);
  CK_SESSION_HANDLE s = f.OpenSession();
  CK_OBJECT_HANDLE found[16];
  CK_ULONG n = 0;
  REQUIRE(f.p11()->C_FindObjectsInit(s, nullptr, 0) == CKR_OK);
  CHECK(f.p11()->C_FindObjectsInit(s, nullptr, 0) == CKR_OPERATION_ACTIVE);
  REQUIRE(f.p11()->C_FindObjects(s, found, 16, &n) == CKR_OK);
  CHECK(n == 4);  // two private and two public keys
  REQUIRE(f.p11()->C_FindObjectsFinal(s) == CKR_OK);

  std::string label = b.info.label;
  CK_ATTRIBUTE by_label{CKA_LABEL, label.data(), static_cast<CK_ULONG>(label.size())};
  REQUIRE(f.p11()->C_FindObjectsInit(s, &by_label, 1) == CKR_OK);
  REQUIRE(f.p11()->C_FindObjects(s, found, 16, &n) == CKR_OK);
  CHECK(n == 2);
  REQUIRE(f.p11()->C_FindObjectsFinal(s) == CKR_OK);
  CHECK(f.FindKey(s, ToBytes("no such id")) == CK_INVALID_HANDLE);
  CHECK(f.p11()->C_FindObjects(s, found, 16, &n) == CKR_OPERATION_NOT_INITIALIZED);
}

TEST_CASE("a user login with a SAD shows only that signer's keys") {
  ModuleFixture f;
  UnwrappedKey a = f.token().GenerateKey("alice", KeyType::kEcP256);
  UnwrappedKey b = f.token().GenerateKey("bob", KeyType::kEcP256);
  CK_SESSION_HANDLE s = f.OpenSession();
  // CKU_SO has no PIN to match (module_spec_answers_test.cc); this session is read-only.
  CHECK(f.Login(s, CKU_SO, "anything") == CKR_SESSION_READ_ONLY_EXISTS);
  CHECK(f.Login(s, CKU_USER, "not a sad") == CKR_PIN_INCORRECT);
  CHECK(f.p11()->C_Logout(s) == CKR_USER_NOT_LOGGED_IN);
  Bytes doc = ToBytes("for the user login");
  REQUIRE(f.Login(s, CKU_USER, f.token().SadForData("alice", a.info, doc)) == CKR_OK);
  CHECK(f.Login(s, CKU_USER, f.token().SadForData("alice", a.info, doc)) ==
        CKR_USER_ALREADY_LOGGED_IN);
  CK_SESSION_INFO info;
  REQUIRE(f.p11()->C_GetSessionInfo(s, &info) == CKR_OK);
  CHECK(info.state == CKS_RO_USER_FUNCTIONS);
  CHECK(f.FindKey(s, a.info.id) != CK_INVALID_HANDLE);
  CHECK(f.FindKey(s, b.info.id) == CK_INVALID_HANDLE);
  // The user login's SAD signs the document it binds, with no context login.
  CK_OBJECT_HANDLE key = f.FindKey(s, a.info.id);
  Bytes sig;
  CHECK(f.SignOnce(s, key, Mech(CKM_ECDSA_SHA256), "", doc, &sig) == CKR_OK);
  CHECK(f.SignOnce(s, key, Mech(CKM_ECDSA_SHA256), "", doc, &sig) == CKR_FUNCTION_REJECTED);
  REQUIRE(f.p11()->C_Logout(s) == CKR_OK);
  CHECK(f.FindKey(s, b.info.id) != CK_INVALID_HANDLE);
  CHECK(f.SignOnce(s, key, Mech(CKM_ECDSA_SHA256), "", doc, &sig) == CKR_USER_NOT_LOGGED_IN);
}

TEST_CASE("context login without an operation; bad handles and mechanisms") {
  ModuleFixture f;
  UnwrappedKey a = f.token().GenerateKey("alice", KeyType::kEcP256);
  CK_SESSION_HANDLE s = f.OpenSession();
  CHECK(f.Login(s, CKU_CONTEXT_SPECIFIC, "x") == CKR_OPERATION_NOT_INITIALIZED);
  CK_MECHANISM mech = Mech(CKM_ECDSA_SHA256);
  CHECK(f.p11()->C_SignInit(s, &mech, 0x1234'5678UL) == CKR_KEY_HANDLE_INVALID);
  CHECK(f.p11()->C_SignInit(0xdead, &mech, 1) == CKR_SESSION_HANDLE_INVALID);
  CK_OBJECT_HANDLE key = f.FindKey(s, a.info.id);
  CK_OBJECT_HANDLE pub = f.FindKey(s, a.info.id, CKO_PUBLIC_KEY);
  CHECK(f.p11()->C_SignInit(s, &mech, pub) == CKR_KEY_FUNCTION_NOT_PERMITTED);
  CK_MECHANISM rsa = Mech(CKM_SHA256_RSA_PKCS);
  CHECK(f.p11()->C_SignInit(s, &rsa, key) == CKR_KEY_TYPE_INCONSISTENT);
  CK_MECHANISM aes = Mech(CKM_AES_GCM);
  CHECK(f.p11()->C_SignInit(s, &aes, key) == CKR_MECHANISM_INVALID);
  CK_BYTE junk[4] = {};
  CK_MECHANISM with_param{CKM_ECDSA_SHA256, junk, sizeof junk};
  CHECK(f.p11()->C_SignInit(s, &with_param, key) == CKR_MECHANISM_PARAM_INVALID);
  CHECK(f.p11()->C_SignInit(s, nullptr, key) == CKR_ARGUMENTS_BAD);
  REQUIRE(f.p11()->C_SignInit(s, &mech, key) == CKR_OK);
  CHECK(f.p11()->C_SignInit(s, &mech, key) == CKR_OPERATION_ACTIVE);
  CK_ULONG len = 0;
  CHECK(f.p11()->C_Sign(s, junk, sizeof junk, nullptr, &len) == CKR_OK);  // size: op stays
  CHECK(len == 64);
  // PKCS#11: any C_Sign other than a size query or CKR_BUFFER_TOO_SMALL ends the operation.
  CHECK(f.p11()->C_Sign(s, junk, sizeof junk, nullptr, nullptr) == CKR_ARGUMENTS_BAD);
  CHECK(f.p11()->C_Sign(s, junk, sizeof junk, nullptr, &len) == CKR_OPERATION_NOT_INITIALIZED);
}

TEST_CASE("objects are read-only through PKCS#11; unsupported functions say so") {
  ModuleFixture f;
  CK_SESSION_HANDLE s = f.OpenSession(true);
  CK_OBJECT_CLASS klass = CKO_DATA;
  CK_ATTRIBUTE t{CKA_CLASS, &klass, sizeof klass};
  CK_OBJECT_HANDLE o;
  // The only objects an application may create are SAD deposits (module_deposit_test.cc).
  CHECK(f.p11()->C_CreateObject(s, &t, 1, &o) == CKR_TEMPLATE_INCONSISTENT);
  UnwrappedKey key = f.token().GenerateKey("alice", KeyType::kEcP256);
  CK_OBJECT_HANDLE handle = f.FindKey(s, key.info.id);
  std::string label = "renamed";
  CK_ATTRIBUTE relabel{CKA_LABEL, label.data(), static_cast<CK_ULONG>(label.size())};
  CHECK(f.p11()->C_SetAttributeValue(s, handle, &relabel, 1) == CKR_ACTION_PROHIBITED);
  CHECK(f.p11()->C_SetAttributeValue(s, 0x7777'7770UL, &relabel, 1) == CKR_OBJECT_HANDLE_INVALID);
  CHECK(f.p11()->C_SetAttributeValue(s, 0x7777'7774UL, &relabel, 1) ==
        CKR_OBJECT_HANDLE_INVALID);  // kind 0: a deposit handle that names no deposit
  CK_MECHANISM sha = Mech(CKM_SHA256);
  CHECK(f.p11()->C_DigestInit(s, &sha) == CKR_FUNCTION_NOT_SUPPORTED);
  CHECK(f.p11()->C_InitPIN(s, nullptr, 0) == CKR_FUNCTION_NOT_SUPPORTED);
  CK_BYTE random[32] = {};
  CHECK(f.p11()->C_GenerateRandom(s, random, sizeof random) == CKR_OK);
  CHECK(f.p11()->C_GenerateRandom(s, nullptr, 4) == CKR_ARGUMENTS_BAD);
}

// The v3.0 interface, as a 3.0 consumer finds it (the exact function type: calling through
// another one is undefined behaviour, which clang's UBSan reports).
using Version3Interface = CK_INTERFACE;
using GetInterfaceList = CK_RV (*)(CK_INTERFACE_PTR, CK_ULONG_PTR);

TEST_CASE("C_GetInterfaceList offers the 3.0 and 2.40 tables") {
  LoadModule();
  void* lib = dlopen(SAMP11_MODULE_PATH, RTLD_NOW | RTLD_NOLOAD);
  REQUIRE(lib != nullptr);
  void* symbol = dlsym(lib, "C_GetInterfaceList");
  REQUIRE(symbol != nullptr);
  auto list = reinterpret_cast<GetInterfaceList>(symbol);
  CK_ULONG count = 0;
  REQUIRE(list(nullptr, &count) == CKR_OK);
  REQUIRE(count == 2);
  Version3Interface ifaces[2];
  REQUIRE(list(ifaces, &count) == CKR_OK);
  std::set<int> majors;
  for (const Version3Interface& i : ifaces) {
    CHECK(std::strcmp(reinterpret_cast<const char*>(i.pInterfaceName), "PKCS 11") == 0);
    majors.insert(static_cast<CK_VERSION*>(i.pFunctionList)->major);
  }
  CHECK(majors == std::set<int>{2, 3});
  dlclose(lib);
}

}  // namespace
}  // namespace samp11::testing
