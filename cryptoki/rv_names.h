// CK_RV names for log lines and messages: the ABI's answers (pkcs11/entry_points.cc) and the inner
// token's (hsm/), from one table.
#pragma once

#include <string>

#include "cryptoki/pkcs11_v3.h"

namespace samp11 {

// "CKR_PIN_INCORRECT", or "CKR_0x000000A0" for a value without a name here (vendor-defined, or
// newer than the table).
std::string CkrName(CK_RV rv);

}  // namespace samp11
