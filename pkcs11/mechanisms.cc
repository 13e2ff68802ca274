// C_GetMechanismList, C_GetMechanismInfo and CK_MECHANISM -> MechanismSpec.
#include "pkcs11/mechanisms.h"

#include <optional>

#include "cryptoki/hash_mechanisms.h"
#include "pkcs11/core.h"
#include "pkcs11/module.h"

namespace samp11::p11 {
namespace {

constexpr CK_FLAGS kEcFlags = CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS;

struct MechanismEntry {
  CK_MECHANISM_TYPE type;
  KeyFamily family;
  bool key_generation;  // offered only when the token's policy allows PKCS#11 key generation
  CK_MECHANISM_INFO info;
};

constexpr CK_MECHANISM_INFO kRsaSign = {2048, 4096, CKF_SIGN | CKF_VERIFY};
constexpr CK_MECHANISM_INFO kEcSign = {256, 384, CKF_SIGN | CKF_VERIFY | kEcFlags};
constexpr CK_MECHANISM_INFO kEdSign = {255, 255, CKF_SIGN | CKF_VERIFY};

const MechanismEntry kMechanisms[] = {
    {CKM_ECDSA, KeyFamily::kEc, false, kEcSign},
    {CKM_ECDSA_SHA256, KeyFamily::kEc, false, kEcSign},
    {CKM_ECDSA_SHA384, KeyFamily::kEc, false, kEcSign},
    {CKM_ECDSA_SHA512, KeyFamily::kEc, false, kEcSign},
    {CKM_RSA_PKCS, KeyFamily::kRsa, false, kRsaSign},
    {CKM_SHA256_RSA_PKCS, KeyFamily::kRsa, false, kRsaSign},
    {CKM_SHA384_RSA_PKCS, KeyFamily::kRsa, false, kRsaSign},
    {CKM_SHA512_RSA_PKCS, KeyFamily::kRsa, false, kRsaSign},
    {CKM_RSA_PKCS_PSS, KeyFamily::kRsa, false, kRsaSign},
    {CKM_SHA256_RSA_PKCS_PSS, KeyFamily::kRsa, false, kRsaSign},
    {CKM_SHA384_RSA_PKCS_PSS, KeyFamily::kRsa, false, kRsaSign},
    {CKM_SHA512_RSA_PKCS_PSS, KeyFamily::kRsa, false, kRsaSign},
    {CKM_EDDSA, KeyFamily::kEdwards, false, kEdSign},
    {CKM_RSA_PKCS_KEY_PAIR_GEN, KeyFamily::kRsa, true, {2048, 4096, CKF_GENERATE_KEY_PAIR}},
    {CKM_EC_KEY_PAIR_GEN, KeyFamily::kEc, true, {256, 384, CKF_GENERATE_KEY_PAIR | kEcFlags}},
    {CKM_EC_EDWARDS_KEY_PAIR_GEN, KeyFamily::kEdwards, true, {255, 255, CKF_GENERATE_KEY_PAIR}},
};

bool Offered(const MechanismEntry& entry, Slot& slot) {
  return !entry.key_generation || slot.token().sam().policy().allow_pkcs11_keygen;
}

// The one mechanism whose parameters are required. fixed_hash: the SHA the mechanism names.
RvOr<PssParams> ParsePssParams(const CK_MECHANISM& m, std::optional<HashAlg> fixed_hash) {
  if (m.pParameter == nullptr || m.ulParameterLen != sizeof(CK_RSA_PKCS_PSS_PARAMS)) {
    return Rv(CKR_MECHANISM_PARAM_INVALID, "PSS needs a CK_RSA_PKCS_PSS_PARAMS");
  }
  const auto* params = static_cast<const CK_RSA_PKCS_PSS_PARAMS*>(m.pParameter);
  std::optional<HashAlg> hash = HashFromMechanism(params->hashAlg);
  std::optional<HashAlg> mgf = HashFromMgf(params->mgf);
  if (!hash || !mgf) {
    return Rv(CKR_MECHANISM_PARAM_INVALID, "PSS hashAlg and mgf must be SHA-256/384/512");
  }
  if (fixed_hash && *fixed_hash != *hash) {
    return Rv(CKR_MECHANISM_PARAM_INVALID, "PSS hashAlg differs from the mechanism's hash");
  }
  return PssParams{*hash, *mgf, static_cast<size_t>(params->sLen)};
}

Rv ParseEddsaParams(const CK_MECHANISM& m) {
  if (m.ulParameterLen == 0) return CKR_OK;
  if (m.pParameter == nullptr || m.ulParameterLen != sizeof(Samp11EddsaParams)) {
    return Rv(CKR_MECHANISM_PARAM_INVALID, "CKM_EDDSA takes no parameter or a CK_EDDSA_PARAMS");
  }
  const auto* params = static_cast<const Samp11EddsaParams*>(m.pParameter);
  if (params->phFlag != CK_FALSE || params->ulContextDataLen != 0) {
    return Rv(CKR_MECHANISM_PARAM_INVALID, "only pure Ed25519 without context is offered");
  }
  return CKR_OK;
}

MechanismSpec Spec(MechanismKind kind, HashAlg hash = HashAlg::kSha256) {
  MechanismSpec spec;
  spec.kind = kind;
  spec.hash = hash;
  return spec;
}

}  // namespace

RvOr<MechanismSpec> ParseSignMechanism(const CK_MECHANISM* mechanism) {
  if (mechanism == nullptr) return Rv(CKR_ARGUMENTS_BAD, "pMechanism is NULL");
  const CK_MECHANISM& m = *mechanism;
  MechanismSpec spec = Spec(MechanismKind::kEcdsa);
  std::optional<HashAlg> pss_hash;  // for the PSS kinds: the hash the mechanism fixes, if any
  bool pss = false;
  switch (m.mechanism) {
    case CKM_ECDSA:
      spec.kind = MechanismKind::kEcdsa;
      break;
    case CKM_ECDSA_SHA256:
      spec = Spec(MechanismKind::kEcdsaWithHash, HashAlg::kSha256);
      break;
    case CKM_ECDSA_SHA384:
      spec = Spec(MechanismKind::kEcdsaWithHash, HashAlg::kSha384);
      break;
    case CKM_ECDSA_SHA512:
      spec = Spec(MechanismKind::kEcdsaWithHash, HashAlg::kSha512);
      break;
    case CKM_RSA_PKCS:
      spec.kind = MechanismKind::kRsaPkcs;
      break;
    case CKM_SHA256_RSA_PKCS:
      spec = Spec(MechanismKind::kRsaPkcsWithHash, HashAlg::kSha256);
      break;
    case CKM_SHA384_RSA_PKCS:
      spec = Spec(MechanismKind::kRsaPkcsWithHash, HashAlg::kSha384);
      break;
    case CKM_SHA512_RSA_PKCS:
      spec = Spec(MechanismKind::kRsaPkcsWithHash, HashAlg::kSha512);
      break;
    case CKM_RSA_PKCS_PSS:
      spec.kind = MechanismKind::kRsaPss;
      pss = true;
      break;
    case CKM_SHA256_RSA_PKCS_PSS:
    case CKM_SHA384_RSA_PKCS_PSS:
    case CKM_SHA512_RSA_PKCS_PSS:
      pss_hash = m.mechanism == CKM_SHA256_RSA_PKCS_PSS   ? HashAlg::kSha256
                 : m.mechanism == CKM_SHA384_RSA_PKCS_PSS ? HashAlg::kSha384
                                                          : HashAlg::kSha512;
      spec = Spec(MechanismKind::kRsaPssWithHash, *pss_hash);
      pss = true;
      break;
    case CKM_EDDSA:
      P11_RETURN_IF_ERROR(ParseEddsaParams(m));
      spec.kind = MechanismKind::kEddsa;
      return spec;
    default:
      return Rv(CKR_MECHANISM_INVALID, "mechanism " + std::to_string(m.mechanism) +
                                           " is not a signature mechanism of samp11");
  }
  if (pss) {
    P11_ASSIGN_OR_RETURN(spec.pss, ParsePssParams(m, pss_hash));
    if (!pss_hash) spec.hash = spec.pss->hash;
  } else if (m.ulParameterLen != 0) {
    // A non-NULL pParameter with length 0 carries nothing and is accepted.
    return Rv(CKR_MECHANISM_PARAM_INVALID, "this mechanism takes no parameter");
  }
  return spec;
}

std::vector<CK_MECHANISM_TYPE> MechanismsForFamily(KeyFamily family) {
  std::vector<CK_MECHANISM_TYPE> types;
  for (const MechanismEntry& entry : kMechanisms) {
    if (entry.family == family && !entry.key_generation) types.push_back(entry.type);
  }
  return types;
}

CK_MECHANISM_TYPE KeyGenMechanism(KeyFamily family) {
  switch (family) {
    case KeyFamily::kRsa:
      return CKM_RSA_PKCS_KEY_PAIR_GEN;
    case KeyFamily::kEc:
      return CKM_EC_KEY_PAIR_GEN;
    case KeyFamily::kEdwards:
      return CKM_EC_EDWARDS_KEY_PAIR_GEN;
  }
  return CK_UNAVAILABLE_INFORMATION;
}

Rv GetMechanismList(CK_SLOT_ID slotID, CK_MECHANISM_TYPE_PTR pMechanismList,
                    CK_ULONG_PTR pulCount) {
  P11_ASSIGN_OR_RETURN(std::shared_ptr<Module> module, RequireModule());
  if (pulCount == nullptr) return Rv(CKR_ARGUMENTS_BAD, "pulCount is NULL");
  P11_ASSIGN_OR_RETURN(Slot * slot, module->GetPresentSlot(slotID));
  std::vector<CK_MECHANISM_TYPE> types;
  for (const MechanismEntry& entry : kMechanisms) {
    if (Offered(entry, *slot)) types.push_back(entry.type);
  }
  if (pMechanismList == nullptr) {
    *pulCount = types.size();
    return CKR_OK;
  }
  if (*pulCount < types.size()) {
    *pulCount = types.size();
    return Rv(CKR_BUFFER_TOO_SMALL, "mechanism list buffer too small");
  }
  for (size_t i = 0; i < types.size(); ++i) pMechanismList[i] = types[i];
  *pulCount = types.size();
  return CKR_OK;
}

Rv GetMechanismInfo(CK_SLOT_ID slotID, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR pInfo) {
  P11_ASSIGN_OR_RETURN(std::shared_ptr<Module> module, RequireModule());
  if (pInfo == nullptr) return Rv(CKR_ARGUMENTS_BAD, "pInfo is NULL");
  P11_ASSIGN_OR_RETURN(Slot * slot, module->GetPresentSlot(slotID));
  for (const MechanismEntry& entry : kMechanisms) {
    if (entry.type == type && Offered(entry, *slot)) {
      *pInfo = entry.info;
      return CKR_OK;
    }
  }
  return Rv(CKR_MECHANISM_INVALID, "mechanism " + std::to_string(type) + " is not offered");
}

}  // namespace samp11::p11
