#include "crypto/otp.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <memory>

#include "crypto/ossl.h"

namespace samp11 {
namespace {

using EvpMacPtr = std::unique_ptr<EVP_MAC, OsslDeleter<EVP_MAC, EVP_MAC_free>>;
using EvpMacCtxPtr = std::unique_ptr<EVP_MAC_CTX, OsslDeleter<EVP_MAC_CTX, EVP_MAC_CTX_free>>;

}  // namespace

std::optional<OtpHash> ParseOtpHash(std::string_view name) {
  if (name == "SHA1") return OtpHash::kSha1;
  if (name == "SHA256") return OtpHash::kSha256;
  if (name == "SHA512") return OtpHash::kSha512;
  return std::nullopt;
}

const char* OtpHashName(OtpHash hash) {
  switch (hash) {
    case OtpHash::kSha1:
      return "SHA1";
    case OtpHash::kSha256:
      return "SHA256";
    case OtpHash::kSha512:
      return "SHA512";
  }
  return "SHA1";
}

size_t OtpHashSize(OtpHash hash) {
  switch (hash) {
    case OtpHash::kSha1:
      return 20;
    case OtpHash::kSha256:
      return 32;
    case OtpHash::kSha512:
      return 64;
  }
  return 20;
}

Result<Bytes> OtpDigest(OtpHash hash, const uint8_t* data, size_t size) {
  Bytes out(OtpHashSize(hash));
  size_t written = 0;
  if (EVP_Q_digest(LibCtx(), OtpHashName(hash), nullptr, data, size, out.data(), &written) != 1 ||
      written != out.size()) {
    return OpenSslError("EVP_Q_digest");
  }
  return out;
}

Result<SecureBytes> OtpHmac(OtpHash hash, const SecureBytes& key, const Bytes& message) {
  EvpMacPtr mac(EVP_MAC_fetch(LibCtx(), "HMAC", nullptr));
  if (!mac) return OpenSslError("EVP_MAC_fetch(HMAC)");
  EvpMacCtxPtr ctx(EVP_MAC_CTX_new(mac.get()));
  if (!ctx) return OpenSslError("EVP_MAC_CTX_new");
  // OSSL_PARAM wants a char*; the name is copied by EVP_MAC_init.
  std::string digest = OtpHashName(hash);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest.data(), 0),
      OSSL_PARAM_construct_end(),
  };
  if (EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1) {
    return OpenSslError("EVP_MAC_init");
  }
  if (EVP_MAC_update(ctx.get(), message.data(), message.size()) != 1) {
    return OpenSslError("EVP_MAC_update");
  }
  SecureBytes out(EVP_MAX_MD_SIZE);
  size_t size = 0;
  if (EVP_MAC_final(ctx.get(), out.data(), &size, out.size()) != 1) {
    return OpenSslError("EVP_MAC_final");
  }
  out.resize(size);
  return out;
}

Result<std::string> TruncateOtp(const SecureBytes& mac, int digits) {
  if (digits < 4 || digits > 10) {
    return Status(Code::kArgumentsBad, "a one-time code has 4 to 10 digits");
  }
  if (mac.size() < 20) return Status(Code::kInternal, "HMAC shorter than SHA-1's");
  const size_t offset = mac.data()[mac.size() - 1] & 0x0f;
  const uint64_t binary =
      (uint64_t(mac.data()[offset] & 0x7f) << 24) | (uint64_t(mac.data()[offset + 1]) << 16) |
      (uint64_t(mac.data()[offset + 2]) << 8) | uint64_t(mac.data()[offset + 3]);
  uint64_t modulus = 1;
  for (int i = 0; i < digits; ++i) modulus *= 10;
  std::string code = std::to_string(binary % modulus);
  return std::string(static_cast<size_t>(digits) - code.size(), '0') + code;
}

Result<std::string> Hotp(OtpHash hash, const SecureBytes& key, uint64_t counter, int digits) {
  Bytes message(8);
  for (int i = 7; i >= 0; --i) {
    message[static_cast<size_t>(i)] = static_cast<uint8_t>(counter & 0xff);
    counter >>= 8;
  }
  SAMP11_ASSIGN_OR_RETURN(SecureBytes mac, OtpHmac(hash, key, message));
  return TruncateOtp(mac, digits);
}

int64_t TotpStep(int64_t unix_time, int64_t period) {
  if (period < 1 || unix_time < 0) return 0;
  return unix_time / period;
}

Result<std::string> Totp(OtpHash hash, const SecureBytes& key, int64_t step, int digits) {
  if (step < 0) return Status(Code::kArgumentsBad, "a TOTP step is not negative");
  return Hotp(hash, key, static_cast<uint64_t>(step), digits);
}

std::string Base32Encode(const uint8_t* data, size_t size) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (size_t i = 0; i < size; ++i) {
    buffer = (buffer << 8) | data[i];
    bits += 8;
    while (bits >= 5) {
      out.push_back(kAlphabet[(buffer >> (bits - 5)) & 0x1f]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (5 - bits)) & 0x1f]);
  return out;
}

}  // namespace samp11
