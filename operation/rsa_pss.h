#pragma once

#include <memory>

#include "operation/mechanism.h"

namespace samp11 {

// CKM_RSA_PKCS_PSS (data is the hash named by the parameters; its length must fit) and
// CKM_SHA256/384/512_RSA_PKCS_PSS (the module hashes; the parameters must name the same hash).
Result<std::unique_ptr<SignMechanism>> MakeRsaPss(const MechanismSpec& spec, KeyType key);

}  // namespace samp11
