// Raw signature primitives, below any policy: the mechanisms in operation/ decide what is signed.
// Signatures are in PKCS#11 form: ECDSA as r||s (each the curve's byte size), RSA as modulus-size
// bytes, Ed25519 as 64 bytes.
#pragma once

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/digest.h"
#include "crypto/ossl.h"

namespace samp11 {

struct PssParams {
  HashAlg hash;
  HashAlg mgf1_hash;
  size_t salt_length;
};

// ECDSA over a precomputed hash (any length; OpenSSL truncates to the order as FIPS 186 says).
Result<Bytes> EcdsaSignHash(EVP_PKEY* key, const Bytes& hash);
Status EcdsaVerifyHash(EVP_PKEY* key, const Bytes& hash, const Bytes& raw_signature);
// PKCS#1 v1.5 over a complete DigestInfo (the caller built or checked it).
Result<Bytes> RsaPkcs1SignDigestInfo(EVP_PKEY* key, const Bytes& digest_info);
Status RsaPkcs1VerifyDigestInfo(EVP_PKEY* key, const Bytes& digest_info, const Bytes& signature);
// RSASSA-PSS over a precomputed hash of params.hash's size.
Result<Bytes> RsaPssSignHash(EVP_PKEY* key, const Bytes& hash, const PssParams& params);
Status RsaPssVerifyHash(EVP_PKEY* key, const Bytes& hash, const PssParams& params,
                        const Bytes& signature);
// Pure Ed25519 over the whole message (RFC 8032).
Result<Bytes> Ed25519Sign(EVP_PKEY* key, const Bytes& message);
Status Ed25519Verify(EVP_PKEY* key, const Bytes& message, const Bytes& signature);

// JWS (RFC 7518 section 3.4) and PKCS#11 carry ECDSA as r||s; OpenSSL speaks DER.
Result<Bytes> EcdsaRawToDer(const Bytes& raw);
Result<Bytes> EcdsaDerToRaw(const Bytes& der, size_t field_size);

// Signature verification failures are kSignatureInvalid; malformed inputs kSignatureLenRange.

}  // namespace samp11
