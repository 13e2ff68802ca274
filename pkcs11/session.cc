// Sessions: C_OpenSession, C_CloseSession, C_CloseAllSessions, C_GetSessionInfo, and the
// one-line requirement check every session function starts with.
#include "pkcs11/session.h"

#include "pkcs11/core.h"
#include "pkcs11/find.h"

namespace samp11::p11 {

Session::Session(CK_SESSION_HANDLE handle, Slot* slot, bool read_write, std::unique_ptr<Lock> mu)
    : handle_(handle), slot_(slot), read_write_(read_write), mu_(std::move(mu)) {}

Session::~Session() {
  // SAD deposits made as session objects end with their session (sessions are destroyed before
  // the slots that hold the tokens, so the token is still there).
  if (slot_->present()) slot_->token().sam().session_deposits().RemoveSession(handle_);
}

std::shared_ptr<CancelSignal> Session::NewSignSignal() {
  auto signal = std::make_shared<CancelSignal>();
  std::lock_guard<std::mutex> lock(signal_mu_);
  sign_signal_ = signal;
  return signal;
}

void Session::CancelSign(const Status& reason) {
  std::shared_ptr<CancelSignal> signal;
  {
    std::lock_guard<std::mutex> lock(signal_mu_);
    signal = sign_signal_;
  }
  if (signal != nullptr) signal->Cancel(reason);
}

SessionRef::SessionRef(std::shared_ptr<Module> module, std::shared_ptr<Session> session)
    : module_(std::move(module)), session_(std::move(session)), lock_(session_->mu()) {}

RvOr<SessionRef> RequireSession(CK_SESSION_HANDLE handle, Need need) {
  P11_ASSIGN_OR_RETURN(std::shared_ptr<Module> module, RequireModule());
  std::shared_ptr<Session> session = module->sessions().Find(handle);
  if (session == nullptr) {
    return Rv(CKR_SESSION_HANDLE_INVALID, "no session " + std::to_string(handle));
  }
  SessionRef ref(std::move(module), std::move(session));
  if ((need == Need::kReadWrite || need == Need::kReadWriteUser) && !ref->read_write()) {
    return Rv(CKR_SESSION_READ_ONLY, "a read/write session is needed");
  }
  if ((need == Need::kUser || need == Need::kReadWriteUser) && !ref.slot().logged_in()) {
    return Rv(CKR_USER_NOT_LOGGED_IN, "C_Login(CKU_USER) with a SAD is needed");
  }
  return ref;
}

Rv OpenSession(CK_SLOT_ID slotID, CK_FLAGS flags, CK_VOID_PTR /*pApplication*/,
               CK_NOTIFY /*Notify: samp11 sends no callbacks*/, CK_SESSION_HANDLE_PTR phSession) {
  P11_ASSIGN_OR_RETURN(std::shared_ptr<Module> module, RequireModule());
  if (phSession == nullptr) return Rv(CKR_ARGUMENTS_BAD, "phSession is NULL");
  P11_ASSIGN_OR_RETURN(Slot * slot, module->GetPresentSlot(slotID));
  if ((flags & CKF_SERIAL_SESSION) == 0) {
    return Rv(CKR_SESSION_PARALLEL_NOT_SUPPORTED, "CKF_SERIAL_SESSION must be set");
  }
  *phSession = module->sessions().Open(slot, (flags & CKF_RW_SESSION) != 0, module->locks());
  return CKR_OK;
}

Rv CloseSession(CK_SESSION_HANDLE hSession) {
  P11_ASSIGN_OR_RETURN(std::shared_ptr<Module> module, RequireModule());
  if (!module->sessions().Close(hSession)) {
    return Rv(CKR_SESSION_HANDLE_INVALID, "no session " + std::to_string(hSession));
  }
  return CKR_OK;
}

Rv CloseAllSessions(CK_SLOT_ID slotID) {
  P11_ASSIGN_OR_RETURN(std::shared_ptr<Module> module, RequireModule());
  P11_ASSIGN_OR_RETURN(Slot * slot, module->GetSlot(slotID));
  module->sessions().CloseAll(slot);
  return CKR_OK;
}

Rv GetSessionInfo(CK_SESSION_HANDLE hSession, CK_SESSION_INFO_PTR pInfo) {
  P11_ASSIGN_OR_RETURN(SessionRef s, RequireSession(hSession, Need::kSession));
  if (pInfo == nullptr) return Rv(CKR_ARGUMENTS_BAD, "pInfo is NULL");
  const bool user = s.slot().logged_in();
  pInfo->slotID = s.slot().id();
  if (s->read_write()) {
    pInfo->state = user ? CKS_RW_USER_FUNCTIONS : CKS_RW_PUBLIC_SESSION;
  } else {
    pInfo->state = user ? CKS_RO_USER_FUNCTIONS : CKS_RO_PUBLIC_SESSION;
  }
  pInfo->flags = CKF_SERIAL_SESSION | (s->read_write() ? CKF_RW_SESSION : 0);
  pInfo->ulDeviceError = 0;
  return CKR_OK;
}

// PKCS#11 3.0. A C_Sign waiting for the signer's device holds the session's lock, so its signal
// is fired first, without the lock; then, with it, the operations named by flags end. Operations
// samp11 does not offer (encryption, digests...) are never active, so cancelling them succeeds.
Rv SessionCancel(CK_SESSION_HANDLE hSession, CK_FLAGS flags) {
  P11_ASSIGN_OR_RETURN(std::shared_ptr<Module> module, RequireModule());
  std::shared_ptr<Session> session = module->sessions().Find(hSession);
  if (session == nullptr) {
    return Rv(CKR_SESSION_HANDLE_INVALID, "no session " + std::to_string(hSession));
  }
  if ((flags & CKF_SIGN) != 0) {
    session->CancelSign(Status(Code::kCancelled, "the signing operation was cancelled"));
  }
  P11_ASSIGN_OR_RETURN(SessionRef s, RequireSession(hSession, Need::kSession));
  if ((flags & CKF_SIGN) != 0) s->EndSign();
  if ((flags & CKF_VERIFY) != 0) s->EndVerify();
  if ((flags & CKF_FIND_OBJECTS) != 0) s->find.reset();
  return CKR_OK;
}

// Legacy functions: PKCS#11 says they return CKR_FUNCTION_NOT_PARALLEL.
Rv GetFunctionStatus(CK_SESSION_HANDLE hSession) {
  P11_ASSIGN_OR_RETURN(SessionRef s, RequireSession(hSession, Need::kSession));
  return Rv(CKR_FUNCTION_NOT_PARALLEL, "legacy function");
}

Rv CancelFunction(CK_SESSION_HANDLE hSession) {
  P11_ASSIGN_OR_RETURN(SessionRef s, RequireSession(hSession, Need::kSession));
  return Rv(CKR_FUNCTION_NOT_PARALLEL, "legacy function");
}

}  // namespace samp11::p11
