// The process-wide registry of PKCS#11 modules that samp11 loads for its inner tokens
// (inner_token.h), one entry per module path. PKCS#11 allows one C_Initialize per module and
// process, while several samp11 tokens may use the same module: the registry initializes the
// module for its first user and finalizes it after its last, and only if samp11 initialized it.
#pragma once

#include <string>

#include "common/status.h"
#include "cryptoki/pkcs11_v3.h"

namespace samp11 {

namespace inner_module_detail {
struct Entry;
}

// One user's hold on an initialized module. Movable, not copyable; releasing the last hold calls
// C_Finalize if samp11's C_Initialize was the one that initialized the module.
class InnerModuleRef {
 public:
  // Loads the module at path (once per process) and initializes it in this process.
  // kDevice, naming the module and the CKR_ code or the loader's error, if either fails.
  static Result<InnerModuleRef> Acquire(const std::string& path);

  InnerModuleRef() = default;
  ~InnerModuleRef();
  InnerModuleRef(InnerModuleRef&& other) noexcept;
  InnerModuleRef& operator=(InnerModuleRef&& other) noexcept;
  InnerModuleRef(const InnerModuleRef&) = delete;
  InnerModuleRef& operator=(const InnerModuleRef&) = delete;

  explicit operator bool() const { return entry_ != nullptr; }
  CK_FUNCTION_LIST* functions() const;

  // Calls C_Initialize again if this process has not (after fork(), PKCS#11 requires the child
  // to initialize before any other call) or if the module said CKR_CRYPTOKI_NOT_INITIALIZED
  // (someone else finalized it). Cheap when nothing is to be done.
  Status EnsureInitialized();
  // The module answered CKR_CRYPTOKI_NOT_INITIALIZED: the next EnsureInitialized initializes it.
  void MarkNotInitialized();
  // C_Finalize then C_Initialize, so that the module reads its token store afresh; only when this
  // is the module's sole user in the process and samp11 initialized it (false: nothing done).
  Result<bool> Reinitialize();

 private:
  explicit InnerModuleRef(inner_module_detail::Entry* entry) : entry_(entry) {}
  void Release();

  inner_module_detail::Entry* entry_ = nullptr;
};

}  // namespace samp11
