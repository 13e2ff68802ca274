// The module's global state between C_Initialize and C_Finalize: one slot per configured token,
// and the session table. Heap-allocated and reached through an atomic shared_ptr that no static
// destructor ever touches (NSS calls C_Finalize from an atexit handler, after they ran).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "pkcs11/locking.h"
#include "pkcs11/rv_map.h"
#include "pkcs11/session_table.h"
#include "sam/activation.h"
#include "token/token.h"

namespace samp11::p11 {

// One configured token. Its token is null when Token::Open failed (the slot then reports no
// token present). The user login is per token and application-wide, as PKCS#11 has it.
class Slot {
 public:
  Slot(CK_SLOT_ID id, std::string label, std::unique_ptr<Token> token,
       std::unique_ptr<Lock> login_mu);

  CK_SLOT_ID id() const { return id_; }
  const std::string& configured_label() const { return label_; }
  bool present() const { return token_ != nullptr; }
  Token& token() { return *token_; }  // only when present()

  // The SAD of C_Login(CKU_USER), or null when logged out.
  std::shared_ptr<const VerifiedSad> user_sad() const;
  // False if a user was already logged in (then nothing changes).
  bool SetUserSad(std::shared_ptr<const VerifiedSad> sad);
  // C_Login(CKU_USER, NULL) on a token with a protected authentication path: logged in, with no
  // SAD of its own; deposited SADs activate the signatures. False if a user was logged in.
  bool SetProtectedLogin();
  // C_Login(CKU_USER, PIN): a signer's PIN login, which activates that signer's SCAL1 keys
  // (sam/scal1.h). False if a user was already logged in.
  bool SetUserPin(std::shared_ptr<PinActivation> pin);
  // The user login as the SAM takes it (the SAD, the PIN activation, or neither).
  UserLogin user_login() const;
  // A user login of any kind is active.
  bool logged_in() const;
  // False if no user was logged in.
  bool Logout();

 private:
  bool LoggedInLocked() const {  // login_mu_ held
    return user_sad_ != nullptr || user_pin_ != nullptr || protected_login_;
  }

  CK_SLOT_ID id_;
  std::string label_;
  std::unique_ptr<Token> token_;
  std::unique_ptr<Lock> login_mu_;
  std::shared_ptr<const VerifiedSad> user_sad_;  // guarded by login_mu_
  bool protected_login_ = false;                 // guarded by login_mu_
  std::shared_ptr<PinActivation> user_pin_;      // guarded by login_mu_
};

class Module {
 public:
  Module(pid_t pid, LockFactory locks, std::vector<std::unique_ptr<Slot>> slots);

  pid_t pid() const { return pid_; }
  const LockFactory& locks() const { return locks_; }
  const std::vector<std::unique_ptr<Slot>>& slots() const { return slots_; }
  SessionTable& sessions() { return sessions_; }
  // CKR_SLOT_ID_INVALID for an unknown id.
  RvOr<Slot*> GetSlot(CK_SLOT_ID id);
  // As GetSlot, and CKR_TOKEN_NOT_PRESENT when the token could not be opened.
  RvOr<Slot*> GetPresentSlot(CK_SLOT_ID id);

 private:
  pid_t pid_;
  LockFactory locks_;
  std::vector<std::unique_ptr<Slot>> slots_;
  SessionTable sessions_;
};

// The initialized module of this process, or CKR_CRYPTOKI_NOT_INITIALIZED (also in a forked
// child that has not called C_Initialize itself).
RvOr<std::shared_ptr<Module>> RequireModule();

}  // namespace samp11::p11
