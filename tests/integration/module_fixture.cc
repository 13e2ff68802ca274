#include "tests/integration/module_fixture.h"

#include <dlfcn.h>
#include <openssl/x509.h>
#include <stdlib.h>

#include <doctest/doctest.h>

#include <stdexcept>

#include "crypto/keys.h"

namespace samp11::testing {

CK_FUNCTION_LIST_PTR LoadModule() {
  static CK_FUNCTION_LIST_PTR list = [] {
    void* lib = dlopen(SAMP11_MODULE_PATH, RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) throw std::runtime_error(std::string("dlopen: ") + dlerror());
    auto get = reinterpret_cast<CK_C_GetFunctionList>(dlsym(lib, "C_GetFunctionList"));
    if (get == nullptr) throw std::runtime_error("no C_GetFunctionList");
    CK_FUNCTION_LIST_PTR l = nullptr;
    if (get(&l) != CKR_OK) throw std::runtime_error("C_GetFunctionList failed");
    return l;
  }();
  return list;
}

ModuleFixture::ModuleFixture(const std::vector<std::string>& signers, const SamPolicy& policy,
                             const std::string& key_backend)
    : token_(signers, key_backend), p11_(LoadModule()) {
  TokenConfig token = token_.config();
  token.policy = policy;
  Initialize(token);
}

void ModuleFixture::Reconfigure(const TokenConfig& token) {
  CK_RV rv = p11_->C_Finalize(nullptr);
  if (rv != CKR_OK) throw std::runtime_error("C_Finalize: " + std::to_string(rv));
  Initialize(token);
}

void ModuleFixture::Initialize(const TokenConfig& token) {
  ModuleConfig config;
  config.tokens.push_back(token);
  Status saved = SaveConfig(config, token_.config_path());
  if (!saved.ok()) throw std::runtime_error(saved.ToString());
  setenv("SAMP11_CONF", token_.config_path().c_str(), 1);
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  CK_RV rv = p11_->C_Initialize(&args);
  if (rv != CKR_OK) throw std::runtime_error("C_Initialize: " + std::to_string(rv));
}

ModuleFixture::~ModuleFixture() { p11_->C_Finalize(nullptr); }

CK_SESSION_HANDLE ModuleFixture::OpenSession(bool rw) {
  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
  CK_FLAGS flags = CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0);
  REQUIRE(p11_->C_OpenSession(slot(), flags, nullptr, nullptr, &session) == CKR_OK);
  return session;
}

CK_OBJECT_HANDLE ModuleFixture::FindKey(CK_SESSION_HANDLE session, const Bytes& id,
                                        CK_OBJECT_CLASS klass) {
  Bytes id_copy = id;
  CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &klass, sizeof klass},
                         {CKA_ID, id_copy.data(), static_cast<CK_ULONG>(id_copy.size())}};
  CK_OBJECT_HANDLE found = CK_INVALID_HANDLE;
  CK_ULONG count = 0;
  REQUIRE(p11_->C_FindObjectsInit(session, tmpl, 2) == CKR_OK);
  REQUIRE(p11_->C_FindObjects(session, &found, 1, &count) == CKR_OK);
  REQUIRE(p11_->C_FindObjectsFinal(session) == CKR_OK);
  return count == 1 ? found : CK_INVALID_HANDLE;
}

CK_RV ModuleFixture::Login(CK_SESSION_HANDLE session, CK_USER_TYPE user, const std::string& value) {
  std::string copy = value;
  return p11_->C_Login(session, user, reinterpret_cast<CK_UTF8CHAR_PTR>(copy.data()),
                       static_cast<CK_ULONG>(copy.size()));
}

CK_RV ModuleFixture::SignOnce(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE key,
                              CK_MECHANISM mechanism, const std::string& sad, const Bytes& data,
                              Bytes* signature) {
  CK_RV rv = p11_->C_SignInit(session, &mechanism, key);
  if (rv != CKR_OK) return rv;
  if (!sad.empty()) {
    rv = Login(session, CKU_CONTEXT_SPECIFIC, sad);
    if (rv != CKR_OK) {
      // Leave no operation behind for the next step of the test.
      CK_ULONG len = 0;
      Bytes d = data;
      p11_->C_Sign(session, d.data(), static_cast<CK_ULONG>(d.size()), nullptr, &len);
      Bytes sink(len ? len : 1);
      p11_->C_Sign(session, d.data(), static_cast<CK_ULONG>(d.size()), sink.data(), &len);
      return rv;
    }
  }
  Bytes d = data;
  CK_ULONG len = 0;
  rv = p11_->C_Sign(session, d.data(), static_cast<CK_ULONG>(d.size()), nullptr, &len);
  if (rv != CKR_OK) return rv;
  Bytes out(len);
  rv = p11_->C_Sign(session, d.data(), static_cast<CK_ULONG>(d.size()), out.data(), &len);
  if (rv != CKR_OK) return rv;
  out.resize(len);
  if (signature != nullptr) *signature = out;
  return CKR_OK;
}

CK_MECHANISM Mech(CK_MECHANISM_TYPE type) { return CK_MECHANISM{type, nullptr, 0}; }

Bytes CertificateFor(const KeyInfo& key, long from, long to) {
  auto ca = GenerateKey(KeyType::kEcP256);
  REQUIRE(ca.ok());
  EvpPkeyPtr subject_key = PublicKeyOf(key);
  X509Ptr cert(X509_new());
  REQUIRE(X509_set_version(cert.get(), 2) == 1);
  REQUIRE(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 9) == 1);
  REQUIRE(X509_gmtime_adj(X509_getm_notBefore(cert.get()), from) != nullptr);
  REQUIRE(X509_gmtime_adj(X509_getm_notAfter(cert.get()), to) != nullptr);
  X509_NAME* name = X509_get_subject_name(cert.get());
  REQUIRE(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>("alice"), -1, -1,
                                     0) == 1);
  REQUIRE(X509_set_issuer_name(cert.get(), name) == 1);
  REQUIRE(X509_set_pubkey(cert.get(), subject_key.get()) == 1);
  REQUIRE(X509_sign(cert.get(), ca->get(), EVP_sha256()) > 0);
  int size = i2d_X509(cert.get(), nullptr);
  Bytes der(static_cast<size_t>(size));
  unsigned char* p = der.data();
  REQUIRE(i2d_X509(cert.get(), &p) == size);
  return der;
}

}  // namespace samp11::testing
