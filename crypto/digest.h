// The hash functions a SAD can bind, with their OIDs and DigestInfo encodings.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/ossl.h"

namespace samp11 {

enum class HashAlg { kSha256, kSha384, kSha512 };

size_t HashSize(HashAlg alg);       // 32, 48, 64
const char* HashName(HashAlg alg);  // "sha256", ...
const char* HashOid(HashAlg alg);   // "2.16.840.1.101.3.4.2.1", ...
const EVP_MD* HashMd(HashAlg alg);
std::optional<HashAlg> HashFromOid(std::string_view oid);
std::optional<HashAlg> HashFromName(std::string_view name);  // "sha256"/"SHA-256", ...
std::optional<HashAlg> HashFromSize(size_t size);

// The DER prefix of a PKCS#1 v1.5 DigestInfo (RFC 8017 section 9.2 note 1) for alg.
const Bytes& DigestInfoPrefix(HashAlg alg);
Bytes MakeDigestInfo(HashAlg alg, const Bytes& hash);
// Splits a DigestInfo; only the exact DER encodings of the three SHA-2 algorithms are accepted.
struct DigestInfo {
  HashAlg alg;
  Bytes hash;
};
std::optional<DigestInfo> ParseDigestInfo(const uint8_t* data, size_t size);

Bytes Digest(HashAlg alg, const uint8_t* data, size_t size);
inline Bytes Digest(HashAlg alg, const Bytes& data) {
  return Digest(alg, data.data(), data.size());
}

// SHA-1, for the one place PKCS#11 asks for it: a certificate's CKA_CHECK_VALUE (its first three
// bytes). Never for anything a SAD binds. Empty if OpenSSL fails.
Bytes Sha1ForCheckValue(const Bytes& data);

// Incremental hashing for multi-part C_SignUpdate.
class Digester {
 public:
  explicit Digester(HashAlg alg);
  void Update(const uint8_t* data, size_t size);
  Bytes Final();  // once
  HashAlg alg() const { return alg_; }

 private:
  HashAlg alg_;
  EvpMdCtxPtr ctx_;
};

}  // namespace samp11
