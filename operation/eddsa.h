#pragma once

#include <memory>

#include "operation/mechanism.h"

namespace samp11 {

// CKM_EDDSA with Ed25519 (pure: the key signs the message itself). The SAD binds a hash of the
// message under the SAD's own hash algorithm, so any of the three is accepted.
Result<std::unique_ptr<SignMechanism>> MakeEddsa(const MechanismSpec& spec, KeyType key);

}  // namespace samp11
