#include "pkcs11/locking.h"

#include <mutex>
#include <stdexcept>

#include "common/log.h"

namespace samp11::p11 {
namespace {

class LockError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class StdLock : public Lock {
 public:
  void lock() override { mu_.lock(); }
  void unlock() override { mu_.unlock(); }

 private:
  std::mutex mu_;
};

class ApplicationLock : public Lock {
 public:
  ApplicationLock(void* mutex, CK_DESTROYMUTEX destroy, CK_LOCKMUTEX lock, CK_UNLOCKMUTEX unlock)
      : mutex_(mutex), destroy_(destroy), lock_(lock), unlock_(unlock) {}
  ~ApplicationLock() override { destroy_(mutex_); }
  ApplicationLock(const ApplicationLock&) = delete;
  ApplicationLock& operator=(const ApplicationLock&) = delete;

  void lock() override {
    CK_RV rv = lock_(mutex_);
    if (rv != CKR_OK) throw LockError("the application's LockMutex failed");
  }
  void unlock() override {
    // Nothing can be done about a failing UnlockMutex but report it.
    if (unlock_(mutex_) != CKR_OK) {
      SAMP11_LOG(kError, "the application's UnlockMutex failed");
    }
  }

 private:
  void* mutex_;
  CK_DESTROYMUTEX destroy_;
  CK_LOCKMUTEX lock_;
  CK_UNLOCKMUTEX unlock_;
};

}  // namespace

LockFactory::LockFactory(CK_CREATEMUTEX create, CK_DESTROYMUTEX destroy, CK_LOCKMUTEX lock,
                         CK_UNLOCKMUTEX unlock)
    : create_(create), destroy_(destroy), lock_(lock), unlock_(unlock) {}

std::unique_ptr<Lock> LockFactory::Make() const {
  if (create_ == nullptr) return std::make_unique<StdLock>();
  void* mutex = nullptr;
  if (create_(&mutex) != CKR_OK) throw LockError("the application's CreateMutex failed");
  return std::make_unique<ApplicationLock>(mutex, destroy_, lock_, unlock_);
}

}  // namespace samp11::p11
