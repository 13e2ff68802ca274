// The PKCS#11 attribute forms of public keys: CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_EC_PARAMS,
// CKA_EC_POINT.
#include <openssl/core_names.h>

#include "crypto/key_parts.h"
#include "crypto/keys.h"

namespace samp11 {

namespace {

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
  switch (type) {
    case KeyType::kEcP256:  // 1.2.840.10045.3.1.7
      return Bytes{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
    case KeyType::kEcP384:  // 1.3.132.0.34
      return Bytes{0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
    case KeyType::kEd25519:  // 1.3.101.112
      return Bytes{0x06, 0x03, 0x2b, 0x65, 0x70};
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

}  // namespace samp11
