// The per-token policy the SAM enforces.
#pragma once

#include "sad/sad.h"

namespace samp11 {

struct SamPolicy {
  SadTimePolicy sad;
  // May an application logged in with a SAD generate a key for that signer with
  // C_GenerateKeyPair? Off by default: keys are created by the operator with `samp11 key generate`.
  bool allow_pkcs11_keygen = false;
};

}  // namespace samp11
