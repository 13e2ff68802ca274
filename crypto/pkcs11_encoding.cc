// The PKCS#11 attribute forms of public keys: CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_EC_PARAMS,
// CKA_EC_POINT.
#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include <optional>

#include "crypto/key_parts.h"
#include "crypto/keys.h"
#include "crypto/ossl.h"

namespace samp11 {

namespace {

using ParamBldPtr =
    std::unique_ptr<OSSL_PARAM_BLD, OsslDeleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using ParamsPtr = std::unique_ptr<OSSL_PARAM, OsslDeleter<OSSL_PARAM, OSSL_PARAM_free>>;

// CKA_EC_PARAMS values.
const Bytes& P256Oid() {  // 1.2.840.10045.3.1.7
  static const Bytes oid = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
  return oid;
}
const Bytes& P384Oid() {  // 1.3.132.0.34
  static const Bytes oid = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
  return oid;
}
const Bytes& Ed25519Oid() {  // 1.3.101.112
  static const Bytes oid = {0x06, 0x03, 0x2b, 0x65, 0x70};
  return oid;
}
// PKCS#11 3.0 also names the Edwards curve by a PrintableString; older modules only know this form.
const Bytes& Ed25519PrintableString() {
  static const Bytes name = {0x13, 0x0c, 'e', 'd', 'w', 'a', 'r',
                             'd',  's',  '2', '5', '5', '1', '9'};
  return name;
}

// The content of der if der is exactly one DER OCTET STRING, else nullopt.
std::optional<Bytes> UnwrapDerOctetString(const Bytes& der) {
  if (der.size() < 2 || der[0] != 0x04) return std::nullopt;
  size_t header = 2;
  size_t len = der[1];
  if (len >= 0x80) {
    size_t digits = len & 0x7f;
    if (digits == 0 || digits > sizeof(size_t) || der.size() < 2 + digits) return std::nullopt;
    len = 0;
    for (size_t i = 0; i < digits; ++i) len = (len << 8) | der[2 + i];
    header += digits;
  }
  if (der.size() - header != len) return std::nullopt;
  return Bytes(der.begin() + static_cast<std::ptrdiff_t>(header), der.end());
}

Result<Bytes> UnpaddedBnParam(EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) return OpenSslError(name);
  BignumPtr bn(raw);
  Bytes out(static_cast<size_t>(BN_num_bytes(bn.get())));
  BN_bn2bin(bn.get(), out.data());
  return out;
}

// DER OCTET STRING around content (definite length, short or long form).
Bytes DerOctetString(const Bytes& content) {
  Bytes out = {0x04};
  size_t len = content.size();
  if (len < 0x80) {
    out.push_back(static_cast<uint8_t>(len));
  } else {
    Bytes digits;
    for (size_t n = len; n > 0; n >>= 8) digits.insert(digits.begin(), static_cast<uint8_t>(n));
    out.push_back(static_cast<uint8_t>(0x80 | digits.size()));
    out.insert(out.end(), digits.begin(), digits.end());
  }
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

}  // namespace

Result<RsaPublicParts> RsaPublic(EVP_PKEY* key) {
  if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
    return Status(Code::kKeyTypeInconsistent, "not an RSA key");
  }
  RsaPublicParts parts;
  SAMP11_ASSIGN_OR_RETURN(parts.modulus, UnpaddedBnParam(key, OSSL_PKEY_PARAM_RSA_N));
  SAMP11_ASSIGN_OR_RETURN(parts.public_exponent, UnpaddedBnParam(key, OSSL_PKEY_PARAM_RSA_E));
  return parts;
}

Result<Bytes> EcParamsDer(EVP_PKEY* key) {
  SAMP11_ASSIGN_OR_RETURN(KeyType type, KeyTypeOf(key));
  return EcParamsDer(type);
}

Result<Bytes> EcParamsDer(KeyType type) {
  switch (type) {
    case KeyType::kEcP256:
      return P256Oid();
    case KeyType::kEcP384:
      return P384Oid();
    case KeyType::kEd25519:
      return Ed25519Oid();
    default:
      return Status(Code::kKeyTypeInconsistent, "not an EC or Edwards key");
  }
}

Result<Bytes> EcPointDer(EVP_PKEY* key) {
  SAMP11_ASSIGN_OR_RETURN(KeyType type, KeyTypeOf(key));
  switch (FamilyOf(type)) {
    case KeyFamily::kEc: {
      SAMP11_ASSIGN_OR_RETURN(EcCoordinates xy, EcPublicCoordinates(key));
      Bytes point = {0x04};
      point.insert(point.end(), xy.x.begin(), xy.x.end());
      point.insert(point.end(), xy.y.begin(), xy.y.end());
      return DerOctetString(point);
    }
    case KeyFamily::kEdwards: {
      SAMP11_ASSIGN_OR_RETURN(Bytes raw, Ed25519PublicBytes(key));
      return DerOctetString(raw);
    }
    case KeyFamily::kRsa:
      break;
  }
  return Status(Code::kKeyTypeInconsistent, "not an EC or Edwards key");
}

Result<EvpPkeyPtr> PublicKeyFromRsaParts(const Bytes& modulus, const Bytes& public_exponent) {
  if (modulus.empty() || public_exponent.empty()) {
    return Status(Code::kArgumentsBad, "RSA public key: empty modulus or exponent");
  }
  BignumPtr n(BN_bin2bn(modulus.data(), static_cast<int>(modulus.size()), nullptr));
  BignumPtr e(BN_bin2bn(public_exponent.data(), static_cast<int>(public_exponent.size()), nullptr));
  if (!n || !e) return OpenSslError("BN_bin2bn");
  // OpenSSL builds a key from any numbers; an even or unit exponent or a zero modulus is garbage.
  if (BN_is_zero(n.get()) || !BN_is_odd(n.get()) || !BN_is_odd(e.get()) || BN_is_one(e.get())) {
    return Status(Code::kArgumentsBad, "RSA public key: modulus or exponent is not valid");
  }
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    return OpenSslError("OSSL_PARAM_BLD RSA");
  }
  ParamsPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (!params) return OpenSslError("OSSL_PARAM_BLD_to_param");
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(LibCtx(), "RSA", nullptr));
  if (!ctx) return OpenSslError("EVP_PKEY_CTX_new_from_name RSA");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return OpenSslError("RSA public key does not decode", Code::kArgumentsBad);
  }
  return EvpPkeyPtr(raw);
}

Result<KeyType> KeyTypeFromEcParams(const Bytes& ec_params_der) {
  if (ec_params_der == P256Oid()) return KeyType::kEcP256;
  if (ec_params_der == P384Oid()) return KeyType::kEcP384;
  if (ec_params_der == Ed25519Oid() || ec_params_der == Ed25519PrintableString()) {
    return KeyType::kEd25519;
  }
  return Status(Code::kUnsupported,
                "CKA_EC_PARAMS " + HexEncode(ec_params_der) + " names no supported curve");
}

Result<EvpPkeyPtr> PublicKeyFromEcAttributes(const Bytes& ec_params_der, const Bytes& ec_point) {
  SAMP11_ASSIGN_OR_RETURN(KeyType type, KeyTypeFromEcParams(ec_params_der));
  bool edwards = FamilyOf(type) == KeyFamily::kEdwards;
  size_t bare_size = edwards ? 32 : 1 + 2 * FieldSize(type);
  // The bare and the wrapped forms differ in size (the OCTET STRING header adds two bytes), so
  // the size decides, not a guess from the first byte (an uncompressed point starts with 0x04 too).
  Bytes point;
  if (ec_point.size() == bare_size) {
    point = ec_point;
  } else {
    std::optional<Bytes> inner = UnwrapDerOctetString(ec_point);
    if (!inner || inner->size() != bare_size) {
      return Status(Code::kArgumentsBad, std::string("CKA_EC_POINT is not a ") + KeyTypeName(type) +
                                             " public key, bare or DER");
    }
    point = std::move(*inner);
  }
  if (!edwards) return EcPublicFromPoint(type, point);
  EvpPkeyPtr key(
      EVP_PKEY_new_raw_public_key_ex(LibCtx(), "ED25519", nullptr, point.data(), point.size()));
  if (!key) return OpenSslError("Ed25519 public key does not decode", Code::kArgumentsBad);
  return key;
}

}  // namespace samp11
