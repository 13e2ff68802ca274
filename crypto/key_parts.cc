#include "crypto/key_parts.h"

#include <openssl/core_names.h>
#include <openssl/params.h>

#include "crypto/keys.h"
#include "crypto/ossl.h"

namespace samp11 {

namespace {

// OpenSSL's own names for the curves, as EVP_PKEY_fromdata expects them.
char kP256Name[] = "prime256v1";
char kP384Name[] = "secp384r1";

}  // namespace

size_t FieldSize(KeyType type) {
  switch (FamilyOf(type)) {
    case KeyFamily::kEc:
    case KeyFamily::kEdwards:
      return SignatureSize(type) / 2;
    case KeyFamily::kRsa:
      break;
  }
  return 0;
}

Result<EcCoordinates> EcPublicCoordinates(EVP_PKEY* key) {
  SAMP11_ASSIGN_OR_RETURN(KeyType type, KeyTypeOf(key));
  if (FamilyOf(type) != KeyFamily::kEc) {
    return Status(Code::kKeyTypeInconsistent, "not an EC key");
  }
  // The encoded point, not the qx/qy parameters: when an engine (the libp11 engine in the
  // calling application's OpenSSL) takes over EC, keys decode as legacy keys, which answer the
  // encoded point but not qx/qy.
  unsigned char* raw = nullptr;
  size_t len = EVP_PKEY_get1_encoded_public_key(key, &raw);
  Bytes point(raw, raw + len);
  OPENSSL_free(raw);
  const size_t field = FieldSize(type);
  if (len != 1 + 2 * field || point[0] != 0x04) {
    return OpenSslError("EC public key is not an uncompressed point");
  }
  EcCoordinates out;
  out.x.assign(point.begin() + 1, point.begin() + 1 + static_cast<std::ptrdiff_t>(field));
  out.y.assign(point.begin() + 1 + static_cast<std::ptrdiff_t>(field), point.end());
  return out;
}

Result<Bytes> Ed25519PublicBytes(EVP_PKEY* key) {
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_ED25519) {
    return Status(Code::kKeyTypeInconsistent, "not an Ed25519 key");
  }
  Bytes out(32);
  size_t len = out.size();
  if (EVP_PKEY_get_raw_public_key(key, out.data(), &len) != 1 || len != out.size()) {
    return OpenSslError("Ed25519 public key");
  }
  return out;
}

Result<EvpPkeyPtr> EcPublicFromPoint(KeyType type, const Bytes& point) {
  char* group = nullptr;
  switch (type) {
    case KeyType::kEcP256:
      group = kP256Name;
      break;
    case KeyType::kEcP384:
      group = kP384Name;
      break;
    default:
      return Status(Code::kKeyTypeInconsistent, "not an EC key type");
  }
  if (point.size() != 1 + 2 * FieldSize(type) || point[0] != 0x04) {
    return Status(Code::kArgumentsBad, "EC point is not an uncompressed point of the curve");
  }
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(LibCtx(), "EC", nullptr));
  if (!ctx) return OpenSslError("EVP_PKEY_CTX_new_from_name EC");
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, const_cast<uint8_t*>(point.data()),
                                        point.size()),
      OSSL_PARAM_construct_end(),
  };
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    return OpenSslError("EC point is not on the curve", Code::kArgumentsBad);
  }
  EvpPkeyPtr pkey(raw);
  // fromdata decodes the point; the explicit check also refuses the point at infinity and any
  // point outside the prime-order subgroup, whatever the decoder let through.
  EvpPkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(LibCtx(), pkey.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    return OpenSslError("EC public key check", Code::kArgumentsBad);
  }
  return pkey;
}

}  // namespace samp11
