#include "crypto/signature.h"

#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include <climits>

#include "crypto/key_parts.h"
#include "crypto/keys.h"
#include "crypto/ossl.h"

namespace samp11 {

namespace {

Result<KeyType> RequireFamily(EVP_PKEY* key, KeyFamily family, const char* what) {
  SAMP11_ASSIGN_OR_RETURN(KeyType type, KeyTypeOf(key));
  if (FamilyOf(type) != family) {
    return Status(Code::kKeyTypeInconsistent,
                  std::string(what) + " needs a different key type, not " + KeyTypeName(type));
  }
  return type;
}

Result<EvpPkeyCtxPtr> NewCtx(EVP_PKEY* key) {
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(LibCtx(), key, nullptr));
  if (!ctx) return OpenSslError("EVP_PKEY_CTX_new_from_pkey");
  return ctx;
}

// One-shot EVP_PKEY_sign on a context the caller has initialised and configured.
Result<Bytes> SignWith(EVP_PKEY_CTX* ctx, const Bytes& tbs, const char* what) {
  size_t len = 0;
  if (EVP_PKEY_sign(ctx, nullptr, &len, tbs.data(), tbs.size()) != 1) return OpenSslError(what);
  Bytes sig(len);
  if (EVP_PKEY_sign(ctx, sig.data(), &len, tbs.data(), tbs.size()) != 1) {
    return OpenSslError(what);
  }
  sig.resize(len);
  return sig;
}

// EVP_PKEY_verify: 1 good, 0 a mismatch, negative an error (which for a well-formed call is also
// a signature OpenSSL could not make sense of, e.g. a representative above the modulus).
Status VerifyWith(EVP_PKEY_CTX* ctx, const Bytes& sig, const Bytes& tbs, const char* what) {
  int rc = EVP_PKEY_verify(ctx, sig.data(), sig.size(), tbs.data(), tbs.size());
  if (rc == 1) return Status::Ok();
  ERR_clear_error();  // the queue's detail says nothing the caller can act on
  return Status(Code::kSignatureInvalid, std::string(what) + " signature does not verify");
}

size_t ModulusBytes(EVP_PKEY* key) { return static_cast<size_t>(EVP_PKEY_get_size(key)); }

Status ConfigurePss(EVP_PKEY* key, EVP_PKEY_CTX* ctx, const Bytes& hash, const PssParams& params) {
  if (hash.size() != HashSize(params.hash)) {
    return Status(Code::kDataLenRange, std::string("PSS input must be a ") + HashName(params.hash) +
                                           " hash of " + std::to_string(HashSize(params.hash)) +
                                           " bytes");
  }
  // RFC 8017 section 9.1.1: emLen >= hLen + sLen + 2, emLen = ceil((modBits - 1) / 8).
  size_t em_len = (static_cast<size_t>(EVP_PKEY_get_bits(key)) - 1 + 7) / 8;
  if (params.salt_length > size_t(INT_MAX) ||
      em_len < HashSize(params.hash) + params.salt_length + 2) {
    return Status(Code::kMechanismParamInvalid, "PSS salt length too large for the key");
  }
  if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) != 1 ||
      EVP_PKEY_CTX_set_signature_md(ctx, HashMd(params.hash)) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, HashMd(params.mgf1_hash)) != 1 ||
      EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, static_cast<int>(params.salt_length)) != 1) {
    return OpenSslError("PSS parameters", Code::kMechanismParamInvalid);
  }
  return Status::Ok();
}

}  // namespace

Result<Bytes> EcdsaSignHash(EVP_PKEY* key, const Bytes& hash) {
  SAMP11_ASSIGN_OR_RETURN(KeyType type, RequireFamily(key, KeyFamily::kEc, "ECDSA"));
  if (hash.empty()) return Status(Code::kDataLenRange, "ECDSA input is empty");
  SAMP11_ASSIGN_OR_RETURN(EvpPkeyCtxPtr ctx, NewCtx(key));
  // No signature md: the input is taken as the hash itself.
  if (EVP_PKEY_sign_init(ctx.get()) != 1) return OpenSslError("ECDSA sign init");
  SAMP11_ASSIGN_OR_RETURN(Bytes der, SignWith(ctx.get(), hash, "ECDSA sign"));
  return EcdsaDerToRaw(der, FieldSize(type));
}

Status EcdsaVerifyHash(EVP_PKEY* key, const Bytes& hash, const Bytes& raw_signature) {
  SAMP11_ASSIGN_OR_RETURN(KeyType type, RequireFamily(key, KeyFamily::kEc, "ECDSA"));
  if (raw_signature.size() != SignatureSize(type)) {
    return Status(Code::kSignatureLenRange,
                  "ECDSA signature must be " + std::to_string(SignatureSize(type)) + " bytes");
  }
  if (hash.empty()) return Status(Code::kDataLenRange, "ECDSA input is empty");
  SAMP11_ASSIGN_OR_RETURN(Bytes der, EcdsaRawToDer(raw_signature));
  SAMP11_ASSIGN_OR_RETURN(EvpPkeyCtxPtr ctx, NewCtx(key));
  if (EVP_PKEY_verify_init(ctx.get()) != 1) return OpenSslError("ECDSA verify init");
  return VerifyWith(ctx.get(), der, hash, "ECDSA");
}

Result<Bytes> RsaPkcs1SignDigestInfo(EVP_PKEY* key, const Bytes& digest_info) {
  SAMP11_RETURN_IF_ERROR(RequireFamily(key, KeyFamily::kRsa, "RSA PKCS#1").status());
  // EMSA-PKCS1-v1_5 needs at least 8 bytes of 0xff padding plus 3 framing bytes.
  if (digest_info.empty() || digest_info.size() + 11 > ModulusBytes(key)) {
    return Status(Code::kDataLenRange, "DigestInfo length does not fit the RSA modulus");
  }
  SAMP11_ASSIGN_OR_RETURN(EvpPkeyCtxPtr ctx, NewCtx(key));
  // PKCS#1 padding with no signature md: OpenSSL pads the DigestInfo exactly as given.
  if (EVP_PKEY_sign_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1) {
    return OpenSslError("RSA PKCS#1 sign init");
  }
  return SignWith(ctx.get(), digest_info, "RSA PKCS#1 sign");
}

Status RsaPkcs1VerifyDigestInfo(EVP_PKEY* key, const Bytes& digest_info, const Bytes& signature) {
  SAMP11_RETURN_IF_ERROR(RequireFamily(key, KeyFamily::kRsa, "RSA PKCS#1").status());
  if (signature.size() != ModulusBytes(key)) {
    return Status(Code::kSignatureLenRange, "RSA signature must be the modulus size");
  }
  SAMP11_ASSIGN_OR_RETURN(EvpPkeyCtxPtr ctx, NewCtx(key));
  if (EVP_PKEY_verify_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1) {
    return OpenSslError("RSA PKCS#1 verify init");
  }
  return VerifyWith(ctx.get(), signature, digest_info, "RSA PKCS#1");
}

Result<Bytes> RsaPssSignHash(EVP_PKEY* key, const Bytes& hash, const PssParams& params) {
  SAMP11_RETURN_IF_ERROR(RequireFamily(key, KeyFamily::kRsa, "RSA PSS").status());
  SAMP11_ASSIGN_OR_RETURN(EvpPkeyCtxPtr ctx, NewCtx(key));
  if (EVP_PKEY_sign_init(ctx.get()) != 1) return OpenSslError("RSA PSS sign init");
  SAMP11_RETURN_IF_ERROR(ConfigurePss(key, ctx.get(), hash, params));
  return SignWith(ctx.get(), hash, "RSA PSS sign");
}

Status RsaPssVerifyHash(EVP_PKEY* key, const Bytes& hash, const PssParams& params,
                        const Bytes& signature) {
  SAMP11_RETURN_IF_ERROR(RequireFamily(key, KeyFamily::kRsa, "RSA PSS").status());
  if (signature.size() != ModulusBytes(key)) {
    return Status(Code::kSignatureLenRange, "RSA signature must be the modulus size");
  }
  SAMP11_ASSIGN_OR_RETURN(EvpPkeyCtxPtr ctx, NewCtx(key));
  if (EVP_PKEY_verify_init(ctx.get()) != 1) return OpenSslError("RSA PSS verify init");
  SAMP11_RETURN_IF_ERROR(ConfigurePss(key, ctx.get(), hash, params));
  return VerifyWith(ctx.get(), signature, hash, "RSA PSS");
}

Result<Bytes> Ed25519Sign(EVP_PKEY* key, const Bytes& message) {
  SAMP11_RETURN_IF_ERROR(RequireFamily(key, KeyFamily::kEdwards, "Ed25519").status());
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return OpenSslError("EVP_MD_CTX_new");
  // Pure EdDSA hashes internally: no md, and only the one-shot call is allowed.
  if (EVP_DigestSignInit_ex(ctx.get(), nullptr, nullptr, LibCtx(), nullptr, key, nullptr) != 1) {
    return OpenSslError("Ed25519 sign init");
  }
  Bytes sig(64);
  size_t len = sig.size();
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1 ||
      len != sig.size()) {
    return OpenSslError("Ed25519 sign");
  }
  return sig;
}

Status Ed25519Verify(EVP_PKEY* key, const Bytes& message, const Bytes& signature) {
  SAMP11_RETURN_IF_ERROR(RequireFamily(key, KeyFamily::kEdwards, "Ed25519").status());
  if (signature.size() != 64) {
    return Status(Code::kSignatureLenRange, "Ed25519 signature must be 64 bytes");
  }
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return OpenSslError("EVP_MD_CTX_new");
  if (EVP_DigestVerifyInit_ex(ctx.get(), nullptr, nullptr, LibCtx(), nullptr, key, nullptr) != 1) {
    return OpenSslError("Ed25519 verify init");
  }
  if (EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                       message.size()) != 1) {
    ERR_clear_error();
    return Status(Code::kSignatureInvalid, "Ed25519 signature does not verify");
  }
  return Status::Ok();
}

Result<Bytes> EcdsaRawToDer(const Bytes& raw) {
  if (raw.empty() || raw.size() % 2 != 0 || raw.size() > 2 * 66) {
    return Status(Code::kSignatureLenRange, "raw ECDSA signature must be r||s of equal halves");
  }
  size_t half = raw.size() / 2;
  BignumPtr r(BN_bin2bn(raw.data(), static_cast<int>(half), nullptr));
  BignumPtr s(BN_bin2bn(raw.data() + half, static_cast<int>(half), nullptr));
  EcdsaSigPtr sig(ECDSA_SIG_new());
  if (!r || !s || !sig) return OpenSslError("ECDSA_SIG");
  if (ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return OpenSslError("ECDSA_SIG_set0");
  r.release();  // now owned by sig
  s.release();
  int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return OpenSslError("i2d_ECDSA_SIG");
  Bytes der(static_cast<size_t>(len));
  uint8_t* p = der.data();
  if (i2d_ECDSA_SIG(sig.get(), &p) != len) return OpenSslError("i2d_ECDSA_SIG");
  return der;
}

Result<Bytes> EcdsaDerToRaw(const Bytes& der, size_t field_size) {
  if (der.empty() || der.size() > 1024 || field_size == 0 || field_size > 66) {
    return Status(Code::kSignatureLenRange, "DER ECDSA signature size out of range");
  }
  const uint8_t* p = der.data();
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig || p != der.data() + der.size()) {
    ERR_clear_error();
    return Status(Code::kSignatureLenRange, "DER ECDSA signature does not parse");
  }
  const BIGNUM* r = ECDSA_SIG_get0_r(sig.get());
  const BIGNUM* s = ECDSA_SIG_get0_s(sig.get());
  Bytes raw(2 * field_size);
  int width = static_cast<int>(field_size);
  if (BN_is_negative(r) || BN_is_negative(s) || BN_bn2binpad(r, raw.data(), width) != width ||
      BN_bn2binpad(s, raw.data() + field_size, width) != width) {
    ERR_clear_error();
    return Status(Code::kSignatureLenRange, "ECDSA r or s does not fit the field size");
  }
  return raw;
}

}  // namespace samp11
