// The key types of every row and the mechanism the rows use with each: CKM_ECDSA over a 32-byte
// SHA-256 hash, CKM_RSA_PKCS over its DigestInfo, CKM_EDDSA over a 32-byte message (the SAD
// binds its SHA-256). The CKA_ID of a samp11 key is "be" BACKEND SCAL TYPE (bench/run.sh makes
// them): backend 01 file, 02 SoftHSM, 03 the token in PostgreSQL (keys in its database); SCAL 01,
// 02; type 01..05 as in kKeys.
#pragma once

#include <p11-kit/pkcs11.h>

#include <string>

#include "common/bytes.h"
#include "crypto/key_type.h"

namespace samp11::bench {

struct KeySpec {
  KeyType type;
  const char* name;
  const char* id_suffix;
};

inline constexpr KeySpec kKeys[] = {{KeyType::kRsa2048, "rsa-2048", "01"},
                                    {KeyType::kRsa3072, "rsa-3072", "02"},
                                    {KeyType::kEcP256, "ec-p256", "03"},
                                    {KeyType::kEcP384, "ec-p384", "04"},
                                    {KeyType::kEd25519, "ed25519", "05"}};

const KeySpec& Spec(KeyType t);  // throws BenchError for a type not in kKeys

// The types that also have SCAL1 keys (bench/run.sh makes those three only).
bool IsScal1Type(KeyType t);

// backend_code: "01" file, "02" SoftHSM, "03" PostgreSQL; scal: 1 or 2.
Bytes SamKeyId(const std::string& backend_code, int scal, KeyType t);

CK_MECHANISM_TYPE MechanismOf(KeyType t);

}  // namespace samp11::bench
