// C_Initialize, C_Finalize and the module's global state.
#include "pkcs11/module.h"

#include <openssl/crypto.h>
#include <unistd.h>

#include <atomic>

#include "common/log.h"
#include "common/process_id.h"
#include "crypto/ossl.h"
#include "pkcs11/core.h"
#include "token/configured_tokens.h"

namespace samp11::p11 {
namespace {

// Never destroyed: reached from C_Finalize calls made after static destructors ran.
std::shared_ptr<Module>& GlobalModule() {
  static auto* module = new std::shared_ptr<Module>();
  return *module;
}

// The state a forked child inherited from its parent. It is never used again and never torn
// down in the child (closing the parent's SQLite connections or key objects there is not safe),
// so it is deliberately leaked.
void AbandonParentState(std::shared_ptr<Module> parent) {
  new std::shared_ptr<Module>(std::move(parent));  // NOLINT: leaked on purpose
}

RvOr<LockFactory> LocksFromArgs(CK_VOID_PTR init_args) {
  if (init_args == nullptr) return LockFactory();
  const auto* args = static_cast<const CK_C_INITIALIZE_ARGS*>(init_args);
  if (args->pReserved != nullptr) {
    return Rv(CKR_ARGUMENTS_BAD, "CK_C_INITIALIZE_ARGS.pReserved must be NULL");
  }
  int given = (args->CreateMutex != nullptr) + (args->DestroyMutex != nullptr) +
              (args->LockMutex != nullptr) + (args->UnlockMutex != nullptr);
  if (given != 0 && given != 4) {
    return Rv(CKR_ARGUMENTS_BAD, "the four mutex callbacks must all be given or all be NULL");
  }
  // CKF_LIBRARY_CANT_CREATE_OS_THREADS needs nothing: samp11 creates no threads.
  if (given == 4 && (args->flags & CKF_OS_LOCKING_OK) == 0) {
    return LockFactory(args->CreateMutex, args->DestroyMutex, args->LockMutex, args->UnlockMutex);
  }
  return LockFactory();
}

std::unique_ptr<Slot> MakeSlot(CK_SLOT_ID id, ConfiguredToken configured,
                               const LockFactory& locks) {
  if (configured.token == nullptr) {
    SAMP11_LOG(kError, "token '" << configured.label << "' (slot " << id
                                 << ") is not present: " << configured.open_error.ToString());
  }
  return std::make_unique<Slot>(id, std::move(configured.label), std::move(configured.token),
                                locks.Make());
}

}  // namespace

Slot::Slot(CK_SLOT_ID id, std::string label, std::unique_ptr<Token> token,
           std::unique_ptr<Lock> login_mu)
    : id_(id), label_(std::move(label)), token_(std::move(token)), login_mu_(std::move(login_mu)) {}

std::shared_ptr<const VerifiedSad> Slot::user_sad() const {
  std::lock_guard<Lock> lock(*login_mu_);
  return user_sad_;
}

bool Slot::SetUserSad(std::shared_ptr<const VerifiedSad> sad) {
  std::lock_guard<Lock> lock(*login_mu_);
  if (LoggedInLocked()) return false;
  user_sad_ = std::move(sad);
  return true;
}

bool Slot::SetProtectedLogin() {
  std::lock_guard<Lock> lock(*login_mu_);
  if (LoggedInLocked()) return false;
  protected_login_ = true;
  return true;
}

bool Slot::SetUserPin(std::shared_ptr<PinActivation> pin) {
  std::lock_guard<Lock> lock(*login_mu_);
  if (LoggedInLocked()) return false;
  user_pin_ = std::move(pin);
  return true;
}

UserLogin Slot::user_login() const {
  std::lock_guard<Lock> lock(*login_mu_);
  return UserLogin(user_sad_, user_pin_);
}

bool Slot::logged_in() const {
  std::lock_guard<Lock> lock(*login_mu_);
  return LoggedInLocked();
}

bool Slot::Logout() {
  std::lock_guard<Lock> lock(*login_mu_);
  if (!LoggedInLocked()) return false;
  user_sad_.reset();
  user_pin_.reset();
  protected_login_ = false;
  return true;
}

Module::Module(pid_t pid, LockFactory locks, std::vector<std::unique_ptr<Slot>> slots)
    : pid_(pid), locks_(locks), slots_(std::move(slots)), sessions_(locks_, slots_.size()) {}

RvOr<Slot*> Module::GetSlot(CK_SLOT_ID id) {
  if (id >= slots_.size()) {
    return Rv(CKR_SLOT_ID_INVALID, "no slot " + std::to_string(id));
  }
  return slots_[id].get();
}

RvOr<Slot*> Module::GetPresentSlot(CK_SLOT_ID id) {
  P11_ASSIGN_OR_RETURN(Slot * slot, GetSlot(id));
  if (!slot->present()) {
    return Rv(CKR_TOKEN_NOT_PRESENT,
              "token '" + slot->configured_label() + "' could not be opened (see the log)");
  }
  return slot;
}

RvOr<std::shared_ptr<Module>> RequireModule() {
  std::shared_ptr<Module> module = std::atomic_load(&GlobalModule());
  if (module == nullptr) return Rv(CKR_CRYPTOKI_NOT_INITIALIZED, "C_Initialize was not called");
  if (module->pid() != CurrentPid()) {
    return Rv(CKR_CRYPTOKI_NOT_INITIALIZED, "forked process: C_Initialize again in the child");
  }
  return module;
}

Rv NotSupportedCore() {
  P11_ASSIGN_OR_RETURN(std::shared_ptr<Module> module, RequireModule());
  return Rv(CKR_FUNCTION_NOT_SUPPORTED, "samp11 does not offer this function");
}

Rv Initialize(CK_VOID_PTR pInitArgs) {
  // OpenSSL must not free its state in an atexit handler that runs before ours: NSS (poppler)
  // calls C_Finalize from atexit, and our keys are OpenSSL objects. Only effective if nothing
  // initialized OpenSSL fully before; harmless otherwise.
  OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr);
  // All of samp11's cryptography runs in its own OpenSSL library context (crypto/ossl.h); without
  // it nothing may run, rather than fall back to the providers the application chose.
  if (LibCtx() == nullptr) return Rv(CKR_HOST_MEMORY, "no OpenSSL library context for samp11");

  P11_ASSIGN_OR_RETURN(LockFactory locks, LocksFromArgs(pInitArgs));
  std::shared_ptr<Module> current = std::atomic_load(&GlobalModule());
  if (current != nullptr && current->pid() == CurrentPid()) {
    return Rv(CKR_CRYPTOKI_ALREADY_INITIALIZED, "C_Initialize was already called");
  }

  // A log that cannot be written where it was asked to go is a broken configuration too.
  if (Status logging = CheckLogSettings(); !logging.ok()) {
    SAMP11_LOG(kError, logging.message());
    return Rv(CKR_GENERAL_ERROR, "log settings unusable");
  }
  Result<ConfiguredTokens> configured = OpenConfiguredTokens();
  if (!configured.ok()) {
    SAMP11_LOG(kError, configured.status().message());
    return Rv(CKR_GENERAL_ERROR, "configuration unusable");
  }
  const std::string path = configured->config_path;
  std::vector<std::unique_ptr<Slot>> slots;
  for (size_t i = 0; i < configured->tokens.size(); ++i) {
    slots.push_back(MakeSlot(i, std::move(configured->tokens[i]), locks));
  }
  auto module = std::make_shared<Module>(CurrentPid(), locks, std::move(slots));

  if (!std::atomic_compare_exchange_strong(&GlobalModule(), &current, module)) {
    return Rv(CKR_CRYPTOKI_ALREADY_INITIALIZED, "C_Initialize raced with another C_Initialize");
  }
  if (current != nullptr) AbandonParentState(std::move(current));
  SAMP11_LOG(kInfo, "initialized with " << module->slots().size() << " token(s) from " << path);
  return CKR_OK;
}

Rv Finalize(CK_VOID_PTR pReserved) {
  P11_ASSIGN_OR_RETURN(std::shared_ptr<Module> module, RequireModule());
  if (pReserved != nullptr) return Rv(CKR_ARGUMENTS_BAD, "pReserved must be NULL");
  std::shared_ptr<Module> expected = module;
  if (!std::atomic_compare_exchange_strong(&GlobalModule(), &expected, std::shared_ptr<Module>())) {
    return Rv(CKR_CRYPTOKI_NOT_INITIALIZED, "C_Finalize raced with another C_Finalize");
  }
  // Calls still running keep the module alive through their own reference; it goes when the
  // last of them returns.
  module->sessions().CloseEverything();
  return CKR_OK;
}

}  // namespace samp11::p11
