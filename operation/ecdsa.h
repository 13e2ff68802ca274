#pragma once

#include <memory>

#include "operation/mechanism.h"

namespace samp11 {

// CKM_ECDSA (data is the hash: 32, 48 or 64 bytes, which names its algorithm) and
// CKM_ECDSA_SHA256/384/512 (the module hashes the data).
Result<std::unique_ptr<SignMechanism>> MakeEcdsa(const MechanismSpec& spec, KeyType key);

}  // namespace samp11
