// The function lists: CK_FUNCTION_LIST (2.40) from C_GetFunctionList, and the two "PKCS 11"
// interfaces of C_GetInterfaceList / C_GetInterface (3.0 first, then 2.40). These three work
// before C_Initialize, as PKCS#11 requires.
#include <cstring>

#include "pkcs11/core.h"

namespace samp11::p11 {
namespace {

#define SAMP11_POINTER(name, core, params, args) name,
#define SAMP11_POINTER_UNSUPPORTED(name, params, args) name,

CK_FUNCTION_LIST function_list_2_40 = {
    {2, 40}, SAMP11_P11_FUNCTIONS_V240(SAMP11_POINTER, SAMP11_POINTER_UNSUPPORTED)};

CK_FUNCTION_LIST_3_0 function_list_3_0 = {
    {3, 0},
    SAMP11_P11_FUNCTIONS_V240(SAMP11_POINTER, SAMP11_POINTER_UNSUPPORTED)
        SAMP11_P11_FUNCTIONS_V30(SAMP11_POINTER, SAMP11_POINTER_UNSUPPORTED)};

#undef SAMP11_POINTER
#undef SAMP11_POINTER_UNSUPPORTED

CK_CHAR interface_name[] = "PKCS 11";

CK_INTERFACE interfaces[] = {
    {interface_name, &function_list_3_0, 0},
    {interface_name, &function_list_2_40, 0},
};
constexpr CK_ULONG kInterfaceCount = sizeof(interfaces) / sizeof(interfaces[0]);

const CK_VERSION& VersionOf(const CK_INTERFACE& interface) {
  // Both lists start with their CK_VERSION.
  return *static_cast<const CK_VERSION*>(interface.pFunctionList);
}

}  // namespace

Rv GetFunctionList(CK_FUNCTION_LIST_PTR_PTR ppFunctionList) {
  if (ppFunctionList == nullptr) return Rv(CKR_ARGUMENTS_BAD, "ppFunctionList is NULL");
  *ppFunctionList = &function_list_2_40;
  return CKR_OK;
}

Rv GetInterfaceList(CK_INTERFACE_PTR pInterfacesList, CK_ULONG_PTR pulCount) {
  if (pulCount == nullptr) return Rv(CKR_ARGUMENTS_BAD, "pulCount is NULL");
  if (pInterfacesList == nullptr) {
    *pulCount = kInterfaceCount;
    return CKR_OK;
  }
  if (*pulCount < kInterfaceCount) {
    *pulCount = kInterfaceCount;
    return Rv(CKR_BUFFER_TOO_SMALL, "interface list buffer too small");
  }
  for (CK_ULONG i = 0; i < kInterfaceCount; ++i) pInterfacesList[i] = interfaces[i];
  *pulCount = kInterfaceCount;
  return CKR_OK;
}

Rv GetInterface(CK_UTF8CHAR_PTR pInterfaceName, CK_VERSION_PTR pVersion,
                CK_INTERFACE_PTR_PTR ppInterface, CK_FLAGS flags) {
  if (ppInterface == nullptr) return Rv(CKR_ARGUMENTS_BAD, "ppInterface is NULL");
  for (CK_INTERFACE& interface : interfaces) {
    const bool name_ok = pInterfaceName == nullptr ||
                         std::strcmp(reinterpret_cast<const char*>(pInterfaceName),
                                     reinterpret_cast<const char*>(interface.pInterfaceName)) == 0;
    const CK_VERSION& version = VersionOf(interface);
    const bool version_ok = pVersion == nullptr ||
                            (pVersion->major == version.major && pVersion->minor == version.minor);
    const bool flags_ok = (interface.flags & flags) == flags;
    if (name_ok && version_ok && flags_ok) {
      *ppInterface = &interface;
      return CKR_OK;
    }
  }
  return Rv(CKR_ARGUMENTS_BAD, "no such interface");
}

}  // namespace samp11::p11
