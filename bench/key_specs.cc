#include "bench/key_specs.h"

#include "bench/p11.h"

namespace samp11::bench {

const KeySpec& Spec(KeyType t) {
  for (const KeySpec& k : kKeys) {
    if (k.type == t) return k;
  }
  throw BenchError("no key spec");
}

bool IsScal1Type(KeyType t) {
  return t == KeyType::kRsa2048 || t == KeyType::kEcP256 || t == KeyType::kEd25519;
}

Bytes SamKeyId(const std::string& backend_code, int scal, KeyType t) {
  return *HexDecode("be" + backend_code + (scal == 1 ? "01" : "02") + Spec(t).id_suffix);
}

CK_MECHANISM_TYPE MechanismOf(KeyType t) {
  switch (FamilyOf(t)) {
    case KeyFamily::kRsa:
      return CKM_RSA_PKCS;
    case KeyFamily::kEc:
      return CKM_ECDSA;
    case KeyFamily::kEdwards:
      return CKM_EDDSA;
  }
  return CKM_ECDSA;
}

}  // namespace samp11::bench
