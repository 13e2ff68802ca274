#include "operation/mechanism.h"

#include "operation/ecdsa.h"
#include "operation/eddsa.h"
#include "operation/rsa_pkcs1.h"
#include "operation/rsa_pss.h"

namespace samp11 {

Result<std::unique_ptr<SignMechanism>> SignMechanism::Create(const MechanismSpec& spec,
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
