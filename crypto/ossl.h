// RAII owners for OpenSSL objects, and the one way OpenSSL errors become a Status.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/types.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

#include "common/status.h"

namespace samp11 {

template <typename T, void (*Free)(T*)>
struct OsslDeleter {
  void operator()(T* p) const {
    if (p != nullptr) Free(p);
  }
};

using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OsslDeleter<EVP_PKEY, EVP_PKEY_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OsslDeleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, OsslDeleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using EvpCipherCtxPtr =
    std::unique_ptr<EVP_CIPHER_CTX, OsslDeleter<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, OsslDeleter<BIO, BIO_free_all>>;
using BignumPtr = std::unique_ptr<BIGNUM, OsslDeleter<BIGNUM, BN_free>>;
using X509Ptr = std::unique_ptr<X509, OsslDeleter<X509, X509_free>>;
using X509ReqPtr = std::unique_ptr<X509_REQ, OsslDeleter<X509_REQ, X509_REQ_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, OsslDeleter<ECDSA_SIG, ECDSA_SIG_free>>;
using EcGroupPtr = std::unique_ptr<EC_GROUP, OsslDeleter<EC_GROUP, EC_GROUP_free>>;
using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, OsslDeleter<ASN1_INTEGER, ASN1_INTEGER_free>>;

// Shares ownership of a key between threads (EVP_PKEY is safe for concurrent signing).
using SharedPkey = std::shared_ptr<EVP_PKEY>;
SharedPkey Share(EvpPkeyPtr key);

// samp11's own OpenSSL library context, holding OpenSSL's built-in default provider and nothing
// else. Every algorithm samp11 uses (digests, signatures, key management, ciphers, MACs, KDFs,
// randomness, decoders) is fetched from it, never from the default context the process shares:
// the application may load providers there, and none of them may hash a document, verify a SAD,
// make a nonce or hold a key of samp11. OpenSSL would otherwise pick theirs: pkcs11-provider,
// when `-provider pkcs11` comes first, took over the SAD's Ed25519 verification (sending the
// device key into a PKCS#11 token); a hostile provider whose SHA-256 returns a chosen value makes
// an ECDSA-signed SAD forgeable. The configuration file is not read into it. Made once on first
// use and never freed (NSS calls C_Finalize from an atexit handler, after static destructors).
// nullptr only if OpenSSL could not make it (out of memory): C_Initialize then refuses to start.
OSSL_LIB_CTX* LibCtx();

// Drains OpenSSL's error queue into one Status (code as given, default kInternal); the queue's
// text names the failing function, never key material.
Status OpenSslError(const std::string& context, Code code = Code::kInternal);

}  // namespace samp11
