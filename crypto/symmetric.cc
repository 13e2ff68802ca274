#include "crypto/symmetric.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <climits>
#include <memory>
#include <string>

#include "crypto/ossl.h"
#include "crypto/random.h"

namespace samp11 {

namespace {

using EvpKdfPtr = std::unique_ptr<EVP_KDF, OsslDeleter<EVP_KDF, EVP_KDF_free>>;
using EvpKdfCtxPtr = std::unique_ptr<EVP_KDF_CTX, OsslDeleter<EVP_KDF_CTX, EVP_KDF_CTX_free>>;
using EvpMacPtr = std::unique_ptr<EVP_MAC, OsslDeleter<EVP_MAC, EVP_MAC_free>>;
using EvpMacCtxPtr = std::unique_ptr<EVP_MAC_CTX, OsslDeleter<EVP_MAC_CTX, EVP_MAC_CTX_free>>;

// The EVP cipher calls take int lengths; keystore records are far smaller than this.
constexpr size_t kMaxAeadInput = size_t(INT_MAX) - kAeadNonceSize - kAeadTagSize;

char kSha256Name[] = "SHA256";  // OSSL_PARAM wants a non-const char*

// From samp11's own library context (crypto/ossl.h), fetched once, never freed.
const EVP_CIPHER* Aes256Gcm() {
  static EVP_CIPHER* const cipher = EVP_CIPHER_fetch(LibCtx(), "AES-256-GCM", nullptr);
  return cipher;
}

// HMAC with its digest set and no key: a copy per call is far cheaper than fetching HMAC and
// SHA-256 by name each time (the row and audit MACs run several times per signature). Made once,
// never freed, like the cipher above.
const EVP_MAC_CTX* HmacSha256Prototype() {
  static EVP_MAC_CTX* const prototype = [] {
    EvpMacPtr mac(EVP_MAC_fetch(LibCtx(), "HMAC", nullptr));
    if (!mac) return static_cast<EVP_MAC_CTX*>(nullptr);
    EvpMacCtxPtr ctx(EVP_MAC_CTX_new(mac.get()));  // holds its own reference to mac
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, kSha256Name, 0),
        OSSL_PARAM_construct_end(),
    };
    if (!ctx || EVP_MAC_CTX_set_params(ctx.get(), params) != 1) {
      return static_cast<EVP_MAC_CTX*>(nullptr);
    }
    return ctx.release();
  }();
  return prototype;
}

Status CheckAeadKey(const SecureBytes& key) {
  if (key.size() != kAeadKeySize) {
    return Status(Code::kArgumentsBad, "AEAD key must be " + std::to_string(kAeadKeySize) +
                                           " bytes, got " + std::to_string(key.size()));
  }
  return Status::Ok();
}

}  // namespace

Result<Bytes> AeadSeal(const SecureBytes& key, const Bytes& aad, const uint8_t* plaintext,
                       size_t size) {
  SAMP11_RETURN_IF_ERROR(CheckAeadKey(key));
  if (size > kMaxAeadInput || aad.size() > kMaxAeadInput) {
    return Status(Code::kArgumentsBad, "AEAD input too large");
  }
  Bytes out(kAeadNonceSize + size + kAeadTagSize);
  uint8_t* nonce = out.data();
  uint8_t* ciphertext = nonce + kAeadNonceSize;
  uint8_t* tag = ciphertext + size;
  // A fresh random nonce per seal: with 96 bits, collisions are negligible for the number of
  // records a keystore ever seals under one key.
  SAMP11_RETURN_IF_ERROR(RandomFill(nonce, kAeadNonceSize));

  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return OpenSslError("EVP_CIPHER_CTX_new");
  int len = 0;
  if (EVP_EncryptInit_ex(ctx.get(), Aes256Gcm(), nullptr, key.data(), nonce) != 1) {
    return OpenSslError("AES-GCM encrypt init");
  }
  if (!aad.empty() &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) {
    return OpenSslError("AES-GCM aad");
  }
  if (size > 0 &&
      EVP_EncryptUpdate(ctx.get(), ciphertext, &len, plaintext, static_cast<int>(size)) != 1) {
    return OpenSslError("AES-GCM encrypt");
  }
  // GCM is a stream mode: Final writes nothing, it only completes the tag computation.
  if (EVP_EncryptFinal_ex(ctx.get(), ciphertext + size, &len) != 1) {
    return OpenSslError("AES-GCM encrypt final");
  }
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kAeadTagSize), tag) !=
      1) {
    return OpenSslError("AES-GCM get tag");
  }
  return out;
}

Result<SecureBytes> AeadOpen(const SecureBytes& key, const Bytes& aad, const Bytes& sealed) {
  SAMP11_RETURN_IF_ERROR(CheckAeadKey(key));
  if (sealed.size() < kAeadNonceSize + kAeadTagSize) {
    return Status(Code::kTampered, "sealed blob shorter than nonce and tag");
  }
  if (sealed.size() > kMaxAeadInput + kAeadNonceSize + kAeadTagSize || aad.size() > kMaxAeadInput) {
    return Status(Code::kArgumentsBad, "AEAD input too large");
  }
  const uint8_t* nonce = sealed.data();
  const uint8_t* ciphertext = nonce + kAeadNonceSize;
  size_t size = sealed.size() - kAeadNonceSize - kAeadTagSize;
  Bytes tag(ciphertext + size, ciphertext + size + kAeadTagSize);

  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return OpenSslError("EVP_CIPHER_CTX_new");
  int len = 0;
  if (EVP_DecryptInit_ex(ctx.get(), Aes256Gcm(), nullptr, key.data(), nonce) != 1) {
    return OpenSslError("AES-GCM decrypt init");
  }
  if (!aad.empty() &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) {
    return OpenSslError("AES-GCM aad");
  }
  SecureBytes plaintext(size);
  if (size > 0 && EVP_DecryptUpdate(ctx.get(), plaintext.data(), &len, ciphertext,
                                    static_cast<int>(size)) != 1) {
    return OpenSslError("AES-GCM decrypt");
  }
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kAeadTagSize),
                          tag.data()) != 1) {
    return OpenSslError("AES-GCM set tag");
  }
  uint8_t final_block[16];
  if (EVP_DecryptFinal_ex(ctx.get(), final_block, &len) != 1) {
    // The plaintext is unauthenticated; SecureBytes wipes it on the way out. The queue holds no
    // useful detail for a tag mismatch, so it is drained rather than reported.
    (void)OpenSslError("AES-GCM tag");
    return Status(Code::kTampered, "AES-GCM tag does not verify");
  }
  return plaintext;
}

Result<SecureBytes> HkdfSha256(const SecureBytes& ikm, std::string_view info, size_t size) {
  if (size == 0 || size > 255 * 32) {
    return Status(Code::kArgumentsBad, "HKDF-SHA256 output length must be 1..8160 bytes");
  }
  if (ikm.empty()) return Status(Code::kArgumentsBad, "HKDF-SHA256 input key is empty");
  EvpKdfPtr kdf(EVP_KDF_fetch(LibCtx(), "HKDF", nullptr));
  if (!kdf) return OpenSslError("EVP_KDF_fetch HKDF");
  EvpKdfCtxPtr ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) return OpenSslError("EVP_KDF_CTX_new");
  // No salt parameter: RFC 5869 then uses HashLen zero bytes, which is the "empty salt" here.
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, kSha256Name, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(ikm.data()),
                                        ikm.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(info.data()),
                                        info.size()),
      OSSL_PARAM_construct_end(),
  };
  SecureBytes out(size);
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
    return OpenSslError("HKDF-SHA256 derive");
  }
  return out;
}

Result<Bytes> HmacSha256(const SecureBytes& key, const uint8_t* data, size_t size) {
  // OpenSSL reads a NULL key as "keep the previous key", of which there is none.
  if (key.empty()) return Status(Code::kArgumentsBad, "HMAC-SHA256 key is empty");
  const EVP_MAC_CTX* prototype = HmacSha256Prototype();
  if (prototype == nullptr) return OpenSslError("HMAC-SHA256 setup");
  // EVP_MAC_CTX_dup takes a const source: threads share the prototype safely.
  EvpMacCtxPtr ctx(EVP_MAC_CTX_dup(prototype));
  if (!ctx) return OpenSslError("EVP_MAC_CTX_dup");
  if (EVP_MAC_init(ctx.get(), key.data(), key.size(), nullptr) != 1) {
    return OpenSslError("HMAC-SHA256 init");
  }
  if (EVP_MAC_update(ctx.get(), data, size) != 1) return OpenSslError("HMAC-SHA256 update");
  Bytes out(32);
  size_t len = 0;
  if (EVP_MAC_final(ctx.get(), out.data(), &len, out.size()) != 1 || len != out.size()) {
    return OpenSslError("HMAC-SHA256 final");
  }
  return out;
}

Result<SecureBytes> ScryptKey(std::string_view passphrase, const Bytes& salt) {
  constexpr uint64_t kN = uint64_t(1) << 15;
  constexpr uint64_t kR = 8;
  constexpr uint64_t kP = 1;
  // 128 * r * N = 32 MiB of working memory; 64 MiB leaves room for OpenSSL's bookkeeping.
  constexpr uint64_t kMaxMem = uint64_t(64) << 20;
  SecureBytes out(32);
  if (EVP_PBE_scrypt_ex(passphrase.data(), passphrase.size(), salt.data(), salt.size(), kN, kR, kP,
                        kMaxMem, out.data(), out.size(), LibCtx(), nullptr) != 1) {
    return OpenSslError("scrypt");
  }
  return out;
}

}  // namespace samp11
