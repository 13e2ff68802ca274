// One PKCS#11 session: its token, its kind and its active operations. Every call on a session
// holds the session's own lock for its whole duration: concurrent calls on ONE session are
// serialized (never refused); calls on different sessions run in parallel.
#pragma once

#include <memory>
#include <mutex>
#include <optional>

#include "common/cancel_signal.h"
#include "pkcs11/locking.h"
#include "pkcs11/module.h"
#include "pkcs11/rv_map.h"
#include "sam/sign_operation.h"
#include "sam/verify_operation.h"

namespace samp11::p11 {

class FindCursor;

class Session {
 public:
  Session(CK_SESSION_HANDLE handle, Slot* slot, bool read_write, std::unique_ptr<Lock> mu);
  ~Session();

  CK_SESSION_HANDLE handle() const { return handle_; }
  Slot& slot() const { return *slot_; }
  bool read_write() const { return read_write_; }
  Lock& mu() { return *mu_; }

  // Guarded by mu().
  std::unique_ptr<SignOperation> sign;
  std::optional<MechanismSpec> sign_mechanism;  // of C_SignInit, while sign is active
  bool sign_multipart = false;                  // C_SignUpdate was called
  std::unique_ptr<VerifyOperation> verify;
  std::optional<MechanismSpec> verify_mechanism;  // of C_VerifyInit, while verify is active
  bool verify_multipart = false;
  std::unique_ptr<FindCursor> find;

  void EndSign() {
    sign.reset();
    sign_mechanism.reset();
    sign_multipart = false;
  }

  // The signal of the signing operation begun last (C_SignInit), which ends its wait for the
  // signer's device. Guarded by its own lock, not mu(): C_CloseSession, C_SessionCancel and
  // C_Finalize must reach it while a C_Sign waits holding mu().
  std::shared_ptr<CancelSignal> NewSignSignal();
  // Fires the current operation's signal, if any. Never blocks.
  void CancelSign(const Status& reason);
  void EndVerify() {
    verify.reset();
    verify_mechanism.reset();
    verify_multipart = false;
  }

 private:
  CK_SESSION_HANDLE handle_;
  Slot* slot_;
  bool read_write_;
  std::unique_ptr<Lock> mu_;
  // A plain mutex even when the application gave mutex callbacks: it guards one pointer, is
  // held for a few instructions, and must never be a lock an application callback can block.
  std::mutex signal_mu_;
  std::shared_ptr<CancelSignal> sign_signal_;  // guarded by signal_mu_
};

// What an entry point needs of its session, declared in one line at its top (tpm2-pkcs11 style):
//   P11_ASSIGN_OR_RETURN(SessionRef s, RequireSession(hSession, Need::kReadWriteUser));
enum class Need {
  kSession,        // a valid session
  kReadWrite,      // ... opened with CKF_RW_SESSION (else CKR_SESSION_READ_ONLY)
  kUser,           // ... whose token has a user logged in (else CKR_USER_NOT_LOGGED_IN)
  kReadWriteUser,  // both
};

// A session, locked, with the module kept alive for the duration of the call.
class SessionRef {
 public:
  SessionRef(std::shared_ptr<Module> module, std::shared_ptr<Session> session);
  SessionRef(SessionRef&&) = default;
  SessionRef& operator=(SessionRef&&) = default;

  Module& module() { return *module_; }
  Session& session() { return *session_; }
  Session* operator->() { return session_.get(); }
  Slot& slot() { return session_->slot(); }
  Token& token() { return session_->slot().token(); }

 private:
  // Declaration order matters: the lock is released before the session may be destroyed.
  std::shared_ptr<Module> module_;
  std::shared_ptr<Session> session_;
  std::unique_lock<Lock> lock_;
};

RvOr<SessionRef> RequireSession(CK_SESSION_HANDLE handle, Need need);

}  // namespace samp11::p11
