// A private key as the signing mechanisms use it: the four raw primitives of signature.h, done
// by whoever holds the key. The file keystore holds it in memory (OpensslSigningKey); the pkcs11
// backend asks an inner PKCS#11 token (hsm/pkcs11_key_backend.cc). The mechanisms in
// operation/ decide what is signed and never see where the key lives.
#pragma once

#include <memory>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/ossl.h"
#include "crypto/signature.h"

namespace samp11 {

class SigningKey {
 public:
  virtual ~SigningKey() = default;
  virtual Result<Bytes> EcdsaSignHash(const Bytes& hash) const = 0;
  virtual Result<Bytes> RsaPkcs1SignDigestInfo(const Bytes& digest_info) const = 0;
  virtual Result<Bytes> RsaPssSignHash(const Bytes& hash, const PssParams& params) const = 0;
  virtual Result<Bytes> Ed25519Sign(const Bytes& message) const = 0;
};

// A private key in this process's memory (EVP_PKEY is safe for concurrent signing).
class OpensslSigningKey : public SigningKey {
 public:
  explicit OpensslSigningKey(SharedPkey key) : key_(std::move(key)) {}
  Result<Bytes> EcdsaSignHash(const Bytes& hash) const override;
  Result<Bytes> RsaPkcs1SignDigestInfo(const Bytes& digest_info) const override;
  Result<Bytes> RsaPssSignHash(const Bytes& hash, const PssParams& params) const override;
  Result<Bytes> Ed25519Sign(const Bytes& message) const override;

 private:
  SharedPkey key_;
};

}  // namespace samp11
