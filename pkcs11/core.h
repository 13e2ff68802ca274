// The C++ core of each implemented PKCS#11 function: same parameters as the C function, returns
// an Rv. Declared from the one table in function_table.h; defined in the file of its topic.
#pragma once

#include "pkcs11/function_table.h"
#include "pkcs11/rv_map.h"

namespace samp11::p11 {

#define SAMP11_DECLARE_CORE(name, core, params, args) Rv core params;
#define SAMP11_SKIP_UNSUPPORTED(name, params, args)
SAMP11_P11_FUNCTIONS_V240(SAMP11_DECLARE_CORE, SAMP11_SKIP_UNSUPPORTED)
SAMP11_P11_FUNCTIONS_V30(SAMP11_DECLARE_CORE, SAMP11_SKIP_UNSUPPORTED)
#undef SAMP11_DECLARE_CORE
#undef SAMP11_SKIP_UNSUPPORTED

// Every function samp11 does not offer: CKR_CRYPTOKI_NOT_INITIALIZED first, as for any other
// function, then CKR_FUNCTION_NOT_SUPPORTED.
Rv NotSupportedCore();
template <typename... Args>
Rv NotSupported(const Args&...) {
  return NotSupportedCore();
}

}  // namespace samp11::p11
