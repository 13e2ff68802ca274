// The module's own locks (session table, sessions, per-token login state), made either with
// std::mutex or with the mutex callbacks the application passed to C_Initialize (when it gave
// callbacks without CKF_OS_LOCKING_OK, PKCS#11 says the module must use them).
#pragma once

#include <memory>

#include "cryptoki/pkcs11_v3.h"

namespace samp11::p11 {

// BasicLockable, so std::lock_guard and std::unique_lock work with it. lock() throws LockError
// if the application's LockMutex fails; the entry point turns that into CKR_GENERAL_ERROR.
class Lock {
 public:
  virtual ~Lock() = default;
  virtual void lock() = 0;
  virtual void unlock() = 0;
};

class LockFactory {
 public:
  // Plain std::mutex.
  LockFactory() = default;
  // The application's callbacks; all four must be non-null.
  LockFactory(CK_CREATEMUTEX create, CK_DESTROYMUTEX destroy, CK_LOCKMUTEX lock,
              CK_UNLOCKMUTEX unlock);

  // Throws LockError if the application's CreateMutex fails.
  std::unique_ptr<Lock> Make() const;
  bool uses_application_callbacks() const { return create_ != nullptr; }

 private:
  CK_CREATEMUTEX create_ = nullptr;
  CK_DESTROYMUTEX destroy_ = nullptr;
  CK_LOCKMUTEX lock_ = nullptr;
  CK_UNLOCKMUTEX unlock_ = nullptr;
};

}  // namespace samp11::p11
