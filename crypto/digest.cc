#include "crypto/digest.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "crypto/ossl.h"

namespace samp11 {

namespace {

struct HashRow {
  HashAlg alg;
  size_t size;
  const char* name;
  const char* oid;
};

constexpr HashRow kHashes[] = {
    {HashAlg::kSha256, 32, "sha256", "2.16.840.1.101.3.4.2.1"},
    {HashAlg::kSha384, 48, "sha384", "2.16.840.1.101.3.4.2.2"},
    {HashAlg::kSha512, 64, "sha512", "2.16.840.1.101.3.4.2.3"},
};

const HashRow& RowOf(HashAlg alg) {
  for (const HashRow& row : kHashes) {
    if (row.alg == alg) return row;
  }
  return kHashes[0];  // unreachable: every enumerator has a row
}

}  // namespace

size_t HashSize(HashAlg alg) { return RowOf(alg).size; }
const char* HashName(HashAlg alg) { return RowOf(alg).name; }
const char* HashOid(HashAlg alg) { return RowOf(alg).oid; }

const EVP_MD* HashMd(HashAlg alg) {
  // Fetched once from samp11's own library context (crypto/ossl.h), never freed.
  struct Fetched {
    EVP_MD* sha256 = EVP_MD_fetch(LibCtx(), "SHA2-256", nullptr);
    EVP_MD* sha384 = EVP_MD_fetch(LibCtx(), "SHA2-384", nullptr);
    EVP_MD* sha512 = EVP_MD_fetch(LibCtx(), "SHA2-512", nullptr);
  };
  static const Fetched fetched;
  switch (alg) {
    case HashAlg::kSha256:
      return fetched.sha256;
    case HashAlg::kSha384:
      return fetched.sha384;
    case HashAlg::kSha512:
      return fetched.sha512;
  }
  return fetched.sha256;
}

std::optional<HashAlg> HashFromOid(std::string_view oid) {
  for (const HashRow& row : kHashes) {
    if (oid == row.oid) return row.alg;
  }
  return std::nullopt;
}

std::optional<HashAlg> HashFromName(std::string_view name) {
  // "sha256", "SHA256", "SHA-256" and "sha-256" all name the same function; nothing else does.
  std::string lower;
  for (char c : name)
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  for (const HashRow& row : kHashes) {
    std::string_view plain = row.name;  // "sha256"
    if (lower == plain || lower == std::string("sha-").append(plain.substr(3))) return row.alg;
  }
  return std::nullopt;
}

std::optional<HashAlg> HashFromSize(size_t size) {
  for (const HashRow& row : kHashes) {
    if (size == row.size) return row.alg;
  }
  return std::nullopt;
}

const Bytes& DigestInfoPrefix(HashAlg alg) {
  // RFC 8017 section 9.2, note 1: SEQUENCE { SEQUENCE { OID, NULL }, OCTET STRING hash }.
  static const Bytes kSha256 = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
  static const Bytes kSha384 = {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30};
  static const Bytes kSha512 = {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40};
  switch (alg) {
    case HashAlg::kSha256:
      return kSha256;
    case HashAlg::kSha384:
      return kSha384;
    case HashAlg::kSha512:
      return kSha512;
  }
  return kSha256;
}

Bytes MakeDigestInfo(HashAlg alg, const Bytes& hash) {
  Bytes out = DigestInfoPrefix(alg);
  out.insert(out.end(), hash.begin(), hash.end());
  return out;
}

std::optional<DigestInfo> ParseDigestInfo(const uint8_t* data, size_t size) {
  // Only byte-exact encodings: a DER parser would also accept the absent-NULL variant and odd
  // lengths, which would let two different byte strings authorise the same signature.
  for (const HashRow& row : kHashes) {
    const Bytes& prefix = DigestInfoPrefix(row.alg);
    if (size != prefix.size() + row.size) continue;
    if (!std::equal(prefix.begin(), prefix.end(), data)) continue;
    return DigestInfo{row.alg, Bytes(data + prefix.size(), data + size)};
  }
  return std::nullopt;
}

// Hashing fails only if OpenSSL itself is broken (out of memory). The result is then empty: a
// wrong-length digest that never matches a bound hash and that every signer refuses, which is
// safer than aborting the host process this module is loaded into.
Bytes Sha1ForCheckValue(const Bytes& data) {
  static EVP_MD* const sha1 = EVP_MD_fetch(LibCtx(), "SHA1", nullptr);  // never freed
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (sha1 == nullptr || EVP_Digest(data.data(), data.size(), md, &len, sha1, nullptr) != 1) {
    return Bytes();
  }
  return Bytes(md, md + len);
}

Bytes Digest(HashAlg alg, const uint8_t* data, size_t size) {
  Bytes out(HashSize(alg));
  unsigned int len = 0;
  if (EVP_Digest(data, size, out.data(), &len, HashMd(alg), nullptr) != 1 || len != out.size()) {
    return Bytes();
  }
  return out;
}

// A Digester without a context has failed (or finished); Final() then yields an empty digest.
Digester::Digester(HashAlg alg) : alg_(alg), ctx_(EVP_MD_CTX_new()) {
  if (ctx_ && EVP_DigestInit_ex(ctx_.get(), HashMd(alg), nullptr) != 1) ctx_.reset();
}

void Digester::Update(const uint8_t* data, size_t size) {
  if (ctx_ && EVP_DigestUpdate(ctx_.get(), data, size) != 1) ctx_.reset();
}

Bytes Digester::Final() {
  if (!ctx_) return Bytes();
  Bytes out(HashSize(alg_));
  unsigned int len = 0;
  bool ok = EVP_DigestFinal_ex(ctx_.get(), out.data(), &len) == 1 && len == out.size();
  ctx_.reset();  // "once": a second Final() must not return a digest of nothing
  return ok ? out : Bytes();
}

}  // namespace samp11
