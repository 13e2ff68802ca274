#pragma once

#include <memory>

#include "operation/mechanism.h"

namespace samp11 {

// CKM_RSA_PKCS (data must be the DER DigestInfo of a SHA-2 hash: raw PKCS#1 of arbitrary data
// would let a caller sign anything, so nothing else is accepted) and CKM_SHA256/384/512_RSA_PKCS.
Result<std::unique_ptr<SignMechanism>> MakeRsaPkcs1(const MechanismSpec& spec, KeyType key);

}  // namespace samp11
