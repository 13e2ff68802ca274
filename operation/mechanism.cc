#include "operation/mechanism.h"

#include "operation/ecdsa.h"
#include "operation/eddsa.h"
#include "operation/rsa_pkcs1.h"
#include "operation/rsa_pss.h"

namespace samp11 {
namespace {

std::string ShaNumber(HashAlg hash) {
  switch (hash) {
    case HashAlg::kSha256:
      return "SHA256";
    case HashAlg::kSha384:
      return "SHA384";
    case HashAlg::kSha512:
      return "SHA512";
  }
  return "SHA?";
}

}  // namespace

std::string MechanismName(const MechanismSpec& spec) {
  switch (spec.kind) {
    case MechanismKind::kEcdsa:
      return "CKM_ECDSA";
    case MechanismKind::kEcdsaWithHash:
      return "CKM_ECDSA_" + ShaNumber(spec.hash);
    case MechanismKind::kRsaPkcs:
      return "CKM_RSA_PKCS";
    case MechanismKind::kRsaPkcsWithHash:
      return "CKM_" + ShaNumber(spec.hash) + "_RSA_PKCS";
    case MechanismKind::kRsaPss:
      return "CKM_RSA_PKCS_PSS";
    case MechanismKind::kRsaPssWithHash:
      return "CKM_" + ShaNumber(spec.hash) + "_RSA_PKCS_PSS";
    case MechanismKind::kEddsa:
      return "CKM_EDDSA";
  }
  return "CKM_?";
}

bool IsSinglePartOnly(MechanismKind kind) {
  switch (kind) {
    case MechanismKind::kEcdsa:
    case MechanismKind::kRsaPkcs:
    case MechanismKind::kRsaPss:
      return true;
    case MechanismKind::kEcdsaWithHash:
    case MechanismKind::kRsaPkcsWithHash:
    case MechanismKind::kRsaPssWithHash:
    case MechanismKind::kEddsa:
      return false;
  }
  return false;
}

Result<std::unique_ptr<SignMechanism>> SignMechanism::Create(const MechanismSpec& spec,
                                                             KeyType key) {
  Result<std::unique_ptr<SignMechanism>> made = CreateForKind(spec, key);
  if (made.ok()) (*made)->spec_ = spec;
  return made;
}

Result<std::unique_ptr<SignMechanism>> SignMechanism::CreateForKind(const MechanismSpec& spec,
                                                                    KeyType key) {
  switch (spec.kind) {
    case MechanismKind::kEcdsa:
    case MechanismKind::kEcdsaWithHash:
      return MakeEcdsa(spec, key);
    case MechanismKind::kRsaPkcs:
    case MechanismKind::kRsaPkcsWithHash:
      return MakeRsaPkcs1(spec, key);
    case MechanismKind::kRsaPss:
    case MechanismKind::kRsaPssWithHash:
      return MakeRsaPss(spec, key);
    case MechanismKind::kEddsa:
      return MakeEddsa(spec, key);
  }
  return Status(Code::kMechanismInvalid, "unknown mechanism");
}

}  // namespace samp11
