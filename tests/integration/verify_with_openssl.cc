#include "tests/integration/verify_with_openssl.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>

namespace samp11::testing {

namespace {

Bytes RawToDer(const Bytes& raw) {
  size_t half = raw.size() / 2;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(raw.data(), static_cast<int>(half), nullptr);
  BIGNUM* s = BN_bin2bn(raw.data() + half, static_cast<int>(half), nullptr);
  ECDSA_SIG_set0(sig, r, s);
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig, &der);
  Bytes out(der, der + len);
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  return out;
}

}  // namespace

bool VerifyDocument(EVP_PKEY* public_key, Scheme scheme, const EVP_MD* md, const Bytes& document,
                    const Bytes& signature) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  bool ok = false;
  Bytes sig = scheme == Scheme::kEcdsa ? RawToDer(signature) : signature;
  if (EVP_DigestVerifyInit(ctx, &pctx, scheme == Scheme::kEd25519 ? nullptr : md, nullptr,
                           public_key) == 1) {
    bool params_ok = true;
    if (scheme == Scheme::kRsaPss) {
      params_ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
                  EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) == 1;
    }
    ok = params_ok &&
         EVP_DigestVerify(ctx, sig.data(), sig.size(), document.data(), document.size()) == 1;
  }
  EVP_MD_CTX_free(ctx);
  return ok;
}

}  // namespace samp11::testing
