// Verifies a PKCS#11 signature over a document with OpenSSL's own EVP API, independently of the
// module's code: the mechanism's hashing and padding must be exactly what OpenSSL expects.
#pragma once

#include <openssl/evp.h>

#include "common/bytes.h"

namespace samp11::testing {

enum class Scheme { kEcdsa, kRsaPkcs1, kRsaPss, kEd25519 };

// md: the document's hash (ignored for Ed25519). For ECDSA the signature is PKCS#11's r||s.
bool VerifyDocument(EVP_PKEY* public_key, Scheme scheme, const EVP_MD* md, const Bytes& document,
                    const Bytes& signature);

}  // namespace samp11::testing
