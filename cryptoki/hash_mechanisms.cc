#include "cryptoki/hash_mechanisms.h"

namespace samp11 {

CK_MECHANISM_TYPE HashMechanism(HashAlg alg) {
  switch (alg) {
    case HashAlg::kSha256:
      return CKM_SHA256;
    case HashAlg::kSha384:
      return CKM_SHA384;
    case HashAlg::kSha512:
      return CKM_SHA512;
  }
  return CKM_SHA256;
}

CK_RSA_PKCS_MGF_TYPE Mgf1(HashAlg alg) {
  switch (alg) {
    case HashAlg::kSha256:
      return CKG_MGF1_SHA256;
    case HashAlg::kSha384:
      return CKG_MGF1_SHA384;
    case HashAlg::kSha512:
      return CKG_MGF1_SHA512;
  }
  return CKG_MGF1_SHA256;
}

std::optional<HashAlg> HashFromMechanism(CK_MECHANISM_TYPE type) {
  switch (type) {
    case CKM_SHA256:
      return HashAlg::kSha256;
    case CKM_SHA384:
      return HashAlg::kSha384;
    case CKM_SHA512:
      return HashAlg::kSha512;
    default:
      return std::nullopt;
  }
}

std::optional<HashAlg> HashFromMgf(CK_RSA_PKCS_MGF_TYPE mgf) {
  switch (mgf) {
    case CKG_MGF1_SHA256:
      return HashAlg::kSha256;
    case CKG_MGF1_SHA384:
      return HashAlg::kSha384;
    case CKG_MGF1_SHA512:
      return HashAlg::kSha512;
    default:
      return std::nullopt;
  }
}

}  // namespace samp11
