#include "crypto/signing_key.h"

namespace samp11 {

// The member functions share the free functions' names; the qualified calls reach the latter.
Result<Bytes> OpensslSigningKey::EcdsaSignHash(const Bytes& hash) const {
  return ::samp11::EcdsaSignHash(key_.get(), hash);
}

Result<Bytes> OpensslSigningKey::RsaPkcs1SignDigestInfo(const Bytes& digest_info) const {
  return ::samp11::RsaPkcs1SignDigestInfo(key_.get(), digest_info);
}

Result<Bytes> OpensslSigningKey::RsaPssSignHash(const Bytes& hash, const PssParams& params) const {
  return ::samp11::RsaPssSignHash(key_.get(), hash, params);
}

Result<Bytes> OpensslSigningKey::Ed25519Sign(const Bytes& message) const {
  return ::samp11::Ed25519Sign(key_.get(), message);
}

}  // namespace samp11
