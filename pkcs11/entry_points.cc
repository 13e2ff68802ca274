// The extern "C" entry points, stamped out from function_table.h. Each one clears OpenSSL's error
// queue, calls its core function, lets no exception cross the C ABI, logs one line when the call
// fails, and returns the CK_RV.
#include <openssl/err.h>

#include <cstring>
#include <exception>
#include <new>

#include "common/log.h"
#include "cryptoki/rv_names.h"
#include "pkcs11/core.h"

namespace samp11::p11 {
namespace {

// Answers that are part of normal PKCS#11 dialogue (size queries, probing for attributes or
// functions): logged at debug level only, so they do not drown real failures.
bool IsRoutine(const char* function, CK_RV rv) {
  // Asking for an interface samp11 does not have is probing too: NSS asks for its vendor ones.
  if (rv == CKR_ARGUMENTS_BAD && std::strcmp(function, "C_GetInterface") == 0) return true;
  switch (rv) {
    case CKR_BUFFER_TOO_SMALL:
    case CKR_ATTRIBUTE_TYPE_INVALID:
    case CKR_ATTRIBUTE_SENSITIVE:
    case CKR_FUNCTION_NOT_SUPPORTED:
    case CKR_FUNCTION_NOT_PARALLEL:
    case CKR_CRYPTOKI_ALREADY_INITIALIZED:
    case CKR_USER_ALREADY_LOGGED_IN:
    case CKR_RANDOM_SEED_NOT_SUPPORTED:
      return true;
    default:
      return false;
  }
}

void LogFailure(const char* function, const Rv& rv) noexcept {
  try {
    if (IsRoutine(function, rv.rv())) {
      SAMP11_LOG(kDebug, function << ": " << CkrName(rv.rv()) << ": " << rv.message());
    } else {
      SAMP11_LOG(kWarn, function << ": " << CkrName(rv.rv()) << ": " << rv.message());
    }
  } catch (...) {
    // Logging must never turn a PKCS#11 answer into a crash.
  }
}

template <typename Core>
CK_RV Guard(const char* function, Core&& core) noexcept {
  ERR_clear_error();
  Rv rv;
  try {
    rv = core();
  } catch (const std::bad_alloc&) {
    rv = Rv(CKR_HOST_MEMORY, "out of memory");
  } catch (const std::exception& e) {
    rv = Rv(CKR_GENERAL_ERROR, std::string("unexpected exception: ") + e.what());
  } catch (...) {
    rv = Rv(CKR_GENERAL_ERROR, "unexpected exception");
  }
  if (!rv.ok()) LogFailure(function, rv);
  return rv.rv();
}

}  // namespace
}  // namespace samp11::p11

#define SAMP11_EXPORT __attribute__((visibility("default")))

#define SAMP11_DEFINE_ENTRY_POINT(name, core, params, args)                         \
  extern "C" SAMP11_EXPORT CK_RV name params {                                      \
    return ::samp11::p11::Guard(#name, [&]() { return ::samp11::p11::core args; }); \
  }
#define SAMP11_DEFINE_UNSUPPORTED(name, params, args)                                       \
  extern "C" SAMP11_EXPORT CK_RV name params {                                              \
    return ::samp11::p11::Guard(#name, [&]() { return ::samp11::p11::NotSupported args; }); \
  }

SAMP11_P11_FUNCTIONS_V240(SAMP11_DEFINE_ENTRY_POINT, SAMP11_DEFINE_UNSUPPORTED)
SAMP11_P11_FUNCTIONS_V30(SAMP11_DEFINE_ENTRY_POINT, SAMP11_DEFINE_UNSUPPORTED)
