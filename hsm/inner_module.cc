// The process-wide registry of inner PKCS#11 modules: dlopen, C_GetFunctionList, C_Initialize
// once per process, C_Finalize after the last user if samp11 initialized the module.
#include "hsm/inner_module.h"

#include <dlfcn.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <mutex>

#include "common/log.h"
#include "cryptoki/rv_names.h"

namespace samp11 {

namespace inner_module_detail {

struct Entry {
  std::string path;
  CK_FUNCTION_LIST* functions = nullptr;
  size_t users = 0;
  bool initialized = false;  // C_Initialize has succeeded (ours or someone else's) in pid
  bool ours = false;         // ... and it was our call, so C_Finalize is ours too
  pid_t pid = 0;
};

}  // namespace inner_module_detail

namespace {

using inner_module_detail::Entry;

struct Registry {
  std::mutex mu;
  std::map<std::string, std::unique_ptr<Entry>> entries;
};

// Never destroyed: tokens may release their module from static destructors at exit, after a
// function-local static registry would already be gone.
Registry& TheRegistry() {
  static Registry* registry = new Registry;
  return *registry;
}

// Under the registry mutex, so no other thread sees a half-initialized entry or initializes the
// same module at the same time.
Status InitializeLocked(Entry& entry) {
  pid_t pid = ::getpid();
  if (entry.initialized && entry.pid == pid) return Status::Ok();
  bool after_fork = entry.initialized && entry.pid != pid;
  // OS locking: samp11 calls the module from many threads at once (one session per operation).
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  CK_RV rv = entry.functions->C_Initialize(&args);
  if (rv == CKR_CRYPTOKI_ALREADY_INITIALIZED) {
    // The application (or another library in the process) loaded the same module and
    // initialized it: share it, and leave its C_Finalize to whoever initialized it.
    SAMP11_LOG(kInfo, "inner PKCS#11 module " << entry.path
                                              << " was already initialized in this process; "
                                                 "samp11 shares it and will not finalize it");
    entry.ours = false;
  } else if (rv != CKR_OK) {
    return Status(Code::kDevice,
                  "C_Initialize of PKCS#11 module " + entry.path + " failed (" + CkrName(rv) + ")");
  } else {
    entry.ours = true;
    if (after_fork) {
      SAMP11_LOG(kInfo, "inner PKCS#11 module " << entry.path << " initialized again after fork");
    }
  }
  entry.initialized = true;
  entry.pid = pid;
  return Status::Ok();
}

Result<Entry*> LoadLocked(Registry& registry, const std::string& path) {
  auto found = registry.entries.find(path);
  if (found != registry.entries.end()) return found->second.get();
  // RTLD_LOCAL: the module's symbols (its own C_* functions, its OpenSSL) must not interpose on
  // samp11's or the application's.
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = ::dlerror();
    return Status(Code::kDevice, "cannot load PKCS#11 module " + path + ": " +
                                     (why != nullptr ? why : "dlopen failed"));
  }
  // The handle is never dlclose'd, not even when the module could not be used: modules such as
  // SoftHSM register OpenSSL and atexit state when loaded, and unloading them under the host
  // application leaves dangling callbacks behind. dlopen of the same path again returns the
  // same handle, so keeping it costs nothing.
  auto get_list = reinterpret_cast<CK_C_GetFunctionList>(::dlsym(handle, "C_GetFunctionList"));
  if (get_list == nullptr) {
    return Status(Code::kDevice, "PKCS#11 module " + path + " has no C_GetFunctionList");
  }
  CK_FUNCTION_LIST* functions = nullptr;
  CK_RV rv = get_list(&functions);
  if (rv != CKR_OK || functions == nullptr) {
    return Status(Code::kDevice,
                  "C_GetFunctionList of PKCS#11 module " + path + " failed (" + CkrName(rv) + ")");
  }
  auto entry = std::make_unique<Entry>();
  entry->path = path;
  entry->functions = functions;
  Entry* raw = entry.get();
  registry.entries.emplace(path, std::move(entry));
  SAMP11_LOG(kInfo, "loaded inner PKCS#11 module " << path << " (Cryptoki "
                                                   << int(functions->version.major) << "."
                                                   << int(functions->version.minor) << ")");
  return raw;
}

}  // namespace

Result<InnerModuleRef> InnerModuleRef::Acquire(const std::string& path) {
  Registry& registry = TheRegistry();
  std::lock_guard<std::mutex> lock(registry.mu);
  SAMP11_ASSIGN_OR_RETURN(Entry * entry, LoadLocked(registry, path));
  SAMP11_RETURN_IF_ERROR(InitializeLocked(*entry));
  ++entry->users;
  return InnerModuleRef(entry);
}

InnerModuleRef::~InnerModuleRef() { Release(); }

InnerModuleRef::InnerModuleRef(InnerModuleRef&& other) noexcept : entry_(other.entry_) {
  other.entry_ = nullptr;
}

InnerModuleRef& InnerModuleRef::operator=(InnerModuleRef&& other) noexcept {
  if (this != &other) {
    Release();
    entry_ = other.entry_;
    other.entry_ = nullptr;
  }
  return *this;
}

CK_FUNCTION_LIST* InnerModuleRef::functions() const {
  return entry_ != nullptr ? entry_->functions : nullptr;
}

Status InnerModuleRef::EnsureInitialized() {
  if (entry_ == nullptr) return Status(Code::kInternal, "no inner PKCS#11 module");
  std::lock_guard<std::mutex> lock(TheRegistry().mu);
  return InitializeLocked(*entry_);
}

void InnerModuleRef::MarkNotInitialized() {
  if (entry_ == nullptr) return;
  std::lock_guard<std::mutex> lock(TheRegistry().mu);
  if (entry_->pid == ::getpid()) entry_->initialized = false;
}

Result<bool> InnerModuleRef::Reinitialize() {
  if (entry_ == nullptr) return Status(Code::kInternal, "no inner PKCS#11 module");
  std::lock_guard<std::mutex> lock(TheRegistry().mu);
  Entry& entry = *entry_;
  if (entry.users != 1 || !entry.ours || !entry.initialized || entry.pid != ::getpid()) {
    return false;
  }
  CK_RV rv = entry.functions->C_Finalize(nullptr);
  if (rv != CKR_OK) {
    SAMP11_LOG(kWarn, "C_Finalize of inner PKCS#11 module " << entry.path << " failed ("
                                                            << CkrName(rv) << ")");
  }
  entry.initialized = false;
  entry.ours = false;
  SAMP11_RETURN_IF_ERROR(InitializeLocked(entry));
  return true;
}

void InnerModuleRef::Release() {
  if (entry_ == nullptr) return;
  Entry& entry = *entry_;
  entry_ = nullptr;
  std::lock_guard<std::mutex> lock(TheRegistry().mu);
  if (--entry.users > 0) return;
  // A child process that never initialized the module again has nothing of its own to finalize:
  // the state it sees was the parent's.
  if (entry.initialized && entry.ours && entry.pid == ::getpid()) {
    CK_RV rv = entry.functions->C_Finalize(nullptr);
    if (rv != CKR_OK) {
      SAMP11_LOG(kWarn, "C_Finalize of inner PKCS#11 module " << entry.path << " failed ("
                                                              << CkrName(rv) << ")");
    } else {
      SAMP11_LOG(kInfo, "finalized inner PKCS#11 module " << entry.path);
    }
  }
  entry.initialized = false;
  entry.ours = false;
}

}  // namespace samp11
