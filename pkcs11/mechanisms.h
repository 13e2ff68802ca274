// The mechanisms samp11 offers and the translation of CK_MECHANISM into MechanismSpec.
#pragma once

#include <vector>

#include "crypto/key_type.h"
#include "operation/mechanism.h"
#include "pkcs11/rv_map.h"

namespace samp11::p11 {

// CK_MECHANISM -> MechanismSpec: CKR_MECHANISM_INVALID for a mechanism samp11 does not sign
// with, CKR_MECHANISM_PARAM_INVALID for parameters it does not take.
RvOr<MechanismSpec> ParseSignMechanism(const CK_MECHANISM* mechanism);

// The signature mechanisms a key of this family can be used with (CKA_ALLOWED_MECHANISMS).
std::vector<CK_MECHANISM_TYPE> MechanismsForFamily(KeyFamily family);
// The key pair generation mechanism of a family (CKA_KEY_GEN_MECHANISM).
CK_MECHANISM_TYPE KeyGenMechanism(KeyFamily family);

}  // namespace samp11::p11
