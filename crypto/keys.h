// Key generation and the encodings of keys: PKCS#8 (wrapped), SPKI (stored public), PEM and JWK
// (what operators enrol), and the PKCS#11 attribute forms (modulus, EC params and point).
#pragma once

#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/key_type.h"
#include "crypto/ossl.h"

namespace samp11 {

Result<EvpPkeyPtr> GenerateKey(KeyType type);
// The KeyType of an existing key (RSA sizes other than 2048/3072/4096 and curves other than
// P-256/P-384/Ed25519 are kUnsupported).
Result<KeyType> KeyTypeOf(EVP_PKEY* key);

Result<SecureBytes> PrivateKeyToPkcs8(EVP_PKEY* key);
Result<EvpPkeyPtr> PrivateKeyFromPkcs8(const uint8_t* der, size_t size);
Result<EvpPkeyPtr> PrivateKeyFromPem(std::string_view pem);  // PKCS#8 or traditional
Result<std::string> PrivateKeyToPem(EVP_PKEY* key);          // PKCS#8, unencrypted

Result<Bytes> PublicKeyToSpki(EVP_PKEY* key);
Result<EvpPkeyPtr> PublicKeyFromSpki(const Bytes& der);
Result<std::string> PublicKeyToPem(EVP_PKEY* key);
// A PEM "PUBLIC KEY" block or a JWK (RFC 7517: kty EC with crv P-256/P-384, or kty OKP with crv
// Ed25519). Leading/trailing whitespace is allowed.
Result<EvpPkeyPtr> PublicKeyFromPemOrJwk(std::string_view text);
Result<std::string> PublicKeyToJwk(EVP_PKEY* key);  // members in RFC 7638 order
// RFC 7638 JWK SHA-256 thumbprint, base64url: the default `kid` of an activation key.
Result<std::string> JwkThumbprint(EVP_PKEY* key);

// PKCS#11 attribute encodings.
struct RsaPublicParts {
  Bytes modulus;          // big-endian, no leading zero
  Bytes public_exponent;  // big-endian
};
Result<RsaPublicParts> RsaPublic(EVP_PKEY* key);
// CKA_EC_PARAMS: DER OID of the named curve (P-256, P-384) or, for Ed25519, the DER OID
// 1.3.101.112 (PKCS#11 3.0 accepts the OID form).
Result<Bytes> EcParamsDer(EVP_PKEY* key);
// The same for a key type (what a key generation template carries); kKeyTypeInconsistent for RSA.
Result<Bytes> EcParamsDer(KeyType type);
// CKA_EC_POINT: DER OCTET STRING holding the uncompressed point (EC) or the 32-byte key (Ed25519).
Result<Bytes> EcPointDer(EVP_PKEY* key);

// The reverse directions, for keys another PKCS#11 token holds (hsm/inner_objects.cc).
// A public RSA key from big-endian CKA_MODULUS and CKA_PUBLIC_EXPONENT (leading zeros allowed).
// Any modulus size decodes; KeyTypeOf says whether samp11 supports it.
Result<EvpPkeyPtr> PublicKeyFromRsaParts(const Bytes& modulus, const Bytes& public_exponent);
// The key type CKA_EC_PARAMS names: the DER OID of P-256, P-384 or Ed25519 (1.3.101.112), or
// the PrintableString "edwards25519" some modules use for Ed25519. kUnsupported otherwise.
Result<KeyType> KeyTypeFromEcParams(const Bytes& ec_params_der);
// A public EC or Ed25519 key from CKA_EC_PARAMS and CKA_EC_POINT. The point may be the DER OCTET
// STRING PKCS#11 specifies or the bare point / 32-byte key some modules return; the expected
// size of the curve tells the two apart. EC points are checked to be on the curve.
Result<EvpPkeyPtr> PublicKeyFromEcAttributes(const Bytes& ec_params_der, const Bytes& ec_point);

}  // namespace samp11
