// Internal to crypto/: the public parts of a key in the fixed-size forms that JWK, PKCS#11 and
// JWS all need (EC coordinates left-padded to the field size).
#pragma once

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/key_type.h"
#include "crypto/ossl.h"

namespace samp11 {

// Bytes per coordinate of the key type's curve: 32 (P-256), 48 (P-384), 32 (Ed25519).
size_t FieldSize(KeyType type);

struct EcCoordinates {
  Bytes x;  // FieldSize bytes, big-endian
  Bytes y;
};
// kKeyTypeInconsistent unless key is a P-256 or P-384 key.
Result<EcCoordinates> EcPublicCoordinates(EVP_PKEY* key);
// The 32-byte public key; kKeyTypeInconsistent unless key is Ed25519.
Result<Bytes> Ed25519PublicBytes(EVP_PKEY* key);
// Builds a public key from its curve and uncompressed point 04||X||Y, checking it is on the curve.
Result<EvpPkeyPtr> EcPublicFromPoint(KeyType type, const Bytes& point);

}  // namespace samp11
