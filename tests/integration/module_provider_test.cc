// The application's OpenSSL providers do none of samp11's cryptography (crypto/ossl.h). The
// calling application here loads a provider into OpenSSL's default library context whose
// SHA-256 answers a constant, and makes it preferred: the module still hashes the document and
// checks the SAD with OpenSSL's own implementations, so the signature is made and verifies. (Had
// the module fetched from the default context, this liar would decide which hash the SAD binds,
// and verify ECDSA-signed SADs over a hash of its choosing.)
#include <doctest/doctest.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/provider.h>

#include <cstring>

#include "tests/integration/module_fixture.h"
#include "tests/integration/verify_with_openssl.h"

namespace samp11::testing {
namespace {

constexpr unsigned char kLie = 0x5a;
int liar_state;  // the provider's and every digest context's handle; they hold nothing

void* LiarNewCtx(void*) { return &liar_state; }
void LiarFreeCtx(void*) {}
void* LiarDupCtx(void*) { return &liar_state; }
int LiarInit(void*, const OSSL_PARAM[]) { return 1; }
int LiarUpdate(void*, const unsigned char*, size_t) { return 1; }
int LiarFinal(void*, unsigned char* out, size_t* out_len, size_t out_size) {
  if (out_size < 32) return 0;
  std::memset(out, kLie, 32);
  *out_len = 32;
  return 1;
}
int LiarGetParams(OSSL_PARAM params[]) {
  OSSL_PARAM* p = OSSL_PARAM_locate(params, OSSL_DIGEST_PARAM_SIZE);
  if (p != nullptr && OSSL_PARAM_set_size_t(p, 32) != 1) return 0;
  p = OSSL_PARAM_locate(params, OSSL_DIGEST_PARAM_BLOCK_SIZE);
  if (p != nullptr && OSSL_PARAM_set_size_t(p, 64) != 1) return 0;
  return 1;
}

using Fn = void (*)(void);  // OpenSSL's dispatch tables hold every function as this type
const OSSL_DISPATCH kLiarSha256[] = {
    {OSSL_FUNC_DIGEST_NEWCTX, reinterpret_cast<Fn>(LiarNewCtx)},
    {OSSL_FUNC_DIGEST_FREECTX, reinterpret_cast<Fn>(LiarFreeCtx)},
    {OSSL_FUNC_DIGEST_DUPCTX, reinterpret_cast<Fn>(LiarDupCtx)},
    {OSSL_FUNC_DIGEST_INIT, reinterpret_cast<Fn>(LiarInit)},
    {OSSL_FUNC_DIGEST_UPDATE, reinterpret_cast<Fn>(LiarUpdate)},
    {OSSL_FUNC_DIGEST_FINAL, reinterpret_cast<Fn>(LiarFinal)},
    {OSSL_FUNC_DIGEST_GET_PARAMS, reinterpret_cast<Fn>(LiarGetParams)},
    {0, nullptr},
};
const OSSL_ALGORITHM kLiarDigests[] = {
    {"SHA2-256:SHA-256:SHA256:2.16.840.1.101.3.4.2.1", "provider=samp11-liar", kLiarSha256,
     "a SHA-256 that answers a constant"},
    {nullptr, nullptr, nullptr, nullptr},
};
const OSSL_ALGORITHM* LiarQuery(void*, int operation, int* no_cache) {
  *no_cache = 0;
  return operation == OSSL_OP_DIGEST ? kLiarDigests : nullptr;
}
const OSSL_DISPATCH kLiarProvider[] = {
    {OSSL_FUNC_PROVIDER_QUERY_OPERATION, reinterpret_cast<Fn>(LiarQuery)},
    {0, nullptr},
};
int LiarProviderInit(const OSSL_CORE_HANDLE*, const OSSL_DISPATCH*, const OSSL_DISPATCH** out,
                     void** provider_ctx) {
  *out = kLiarProvider;
  *provider_ctx = &liar_state;
  return 1;
}

TEST_CASE(
    "a provider the application prefers in OpenSSL's default context does not hash for samp11") {
  ModuleFixture f;
  UnwrappedKey key = f.token().GenerateKey("alice", KeyType::kEcP256);
  const Bytes doc = ToBytes("hashed by samp11, whatever the application's providers say");
  const std::string sad = f.token().SadForData("alice", key.info, doc);
  CK_SESSION_HANDLE session = f.OpenSession();
  CK_OBJECT_HANDLE handle = f.FindKey(session, key.info.id);

  REQUIRE(OSSL_PROVIDER_add_builtin(nullptr, "samp11-liar", LiarProviderInit) == 1);
  OSSL_PROVIDER* builtin = OSSL_PROVIDER_load(nullptr, "default");
  OSSL_PROVIDER* liar = OSSL_PROVIDER_load(nullptr, "samp11-liar");
  REQUIRE(builtin != nullptr);
  REQUIRE(liar != nullptr);
  REQUIRE(EVP_set_default_properties(nullptr, "?provider=samp11-liar") == 1);
  // In force for the application: SHA-256 in the default context now answers the constant.
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  REQUIRE(EVP_Digest(doc.data(), doc.size(), md, &md_len, EVP_sha256(), nullptr) == 1);
  CHECK(md_len == 32);
  CHECK((md[0] == kLie && md[31] == kLie));

  Bytes signature;
  const CK_RV rv = f.SignOnce(session, handle, Mech(CKM_ECDSA_SHA256), sad, doc, &signature);
  REQUIRE(EVP_set_default_properties(nullptr, "") == 1);
  OSSL_PROVIDER_unload(liar);
  OSSL_PROVIDER_unload(builtin);
  REQUIRE(rv == CKR_OK);
  EvpPkeyPtr pub = PublicKeyOf(key.info);
  CHECK(VerifyDocument(pub.get(), Scheme::kEcdsa, EVP_sha256(), doc, signature));
}

}  // namespace
}  // namespace samp11::testing
