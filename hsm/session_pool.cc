// The session pool: leases, what a failed call means for the connection, and dropping it.
#include "hsm/session_pool.h"

#include <unistd.h>

#include "cryptoki/rv_names.h"

namespace samp11::inner {

Lease::~Lease() {
  if (pool_ != nullptr) pool_->Return(*this);
}

const std::string& Lease::Describe() const { return pool_->Describe(); }

Status Lease::Failure(const std::string& function, CK_RV rv) {
  return pool_->Failure(this, generation_, function, rv);
}

Status Lease::CheckLoggedIn() {
  CK_SESSION_INFO info{};
  CK_RV rv = fl_->C_GetSessionInfo(session_, &info);
  if (rv != CKR_OK) return Failure("C_GetSessionInfo", rv);
  if (info.state == CKS_RO_PUBLIC_SESSION || info.state == CKS_RW_PUBLIC_SESSION) {
    return Failure("the session's login check", CKR_USER_NOT_LOGGED_IN);
  }
  return Status::Ok();
}

SessionPool::SessionPool(InnerTokenConfig config)
    : config_(std::move(config)),
      description_(config_.token_label.empty()
                       ? "token with serial '" + config_.token_serial + "' of " + config_.module
                       : "token '" + config_.token_label + "' of " + config_.module),
      pin_file_(config_.pin_file) {}

SessionPool::~SessionPool() {
  std::vector<CK_SESSION_HANDLE> to_close;
  CK_FUNCTION_LIST* fl = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (generation_ != nullptr && pid_ == ::getpid()) {
      to_close = idle_;
      if (anchor_ != CK_INVALID_HANDLE) to_close.push_back(anchor_);
      fl = fl_;
    }
    generation_.reset();
    idle_.clear();
  }
  for (CK_SESSION_HANDLE session : to_close) fl->C_CloseSession(session);
  // module_ goes last: the last user of the module finalizes it.
}

Status SessionPool::ConnectFailure(const std::string& function, CK_RV rv) {
  if (rv == CKR_CRYPTOKI_NOT_INITIALIZED) module_.MarkNotInitialized();
  Code code =
      (rv == CKR_TOKEN_NOT_PRESENT || rv == CKR_DEVICE_REMOVED || rv == CKR_TOKEN_NOT_RECOGNIZED)
          ? Code::kTokenNotPresent
          : Code::kDevice;
  return Status(code, description_ + ": " + function + " failed (" + CkrName(rv) + ")");
}

Status SessionPool::Failure(Lease* lease, const std::shared_ptr<Generation>& generation,
                            const std::string& function, CK_RV rv) {
  Code code = Code::kDevice;
  bool drop = false;
  bool sessions_alive = false;
  switch (rv) {
    case CKR_TOKEN_NOT_PRESENT:
    case CKR_DEVICE_REMOVED:
    case CKR_TOKEN_NOT_RECOGNIZED:
      code = Code::kTokenNotPresent;
      drop = true;  // the module closes every session of a removed token
      break;
    case CKR_SESSION_HANDLE_INVALID:
    case CKR_SESSION_CLOSED:
      // Someone closed our sessions (C_CloseAllSessions by an application that shares the
      // module, a device reset): the login went with them.
      drop = true;
      break;
    case CKR_CRYPTOKI_NOT_INITIALIZED:
      // Someone finalized the module under us (an application that shares it).
      module_.MarkNotInitialized();
      drop = true;
      break;
    case CKR_USER_NOT_LOGGED_IN:
      // Logged out (an application that shares the module called C_Logout): the sessions are
      // still there; log in again on a fresh connection.
      drop = true;
      sessions_alive = true;
      break;
    case CKR_KEY_HANDLE_INVALID:
    case CKR_OBJECT_HANDLE_INVALID:
      code = Code::kNotFound;
      break;
    default:
      break;
  }
  if (lease != nullptr && drop && !sessions_alive) lease->Dead();
  // A lost session or login is cured by connecting again; a removed token is not.
  if (lease != nullptr && drop && code != Code::kTokenNotPresent) lease->Retry();
  Status status(code, description_ + ": " + function + " failed (" + CkrName(rv) + ")");
  if (drop) {
    Drop(generation, sessions_alive, status.message());
  } else if (code == Code::kNotFound) {
    SAMP11_LOG(kInfo, status.message());
  } else {
    SAMP11_LOG(kWarn, status.message());
  }
  return status;
}

void SessionPool::Drop(const std::shared_ptr<Generation>& generation, bool sessions_alive,
                       const std::string& why) {
  std::vector<CK_SESSION_HANDLE> to_close;
  CK_FUNCTION_LIST* fl = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (generation == nullptr || generation != generation_) return;  // dropped already
    generation_->dropped = true;
    generation_->sessions_alive = sessions_alive;
    if (sessions_alive) {
      to_close = idle_;
      if (anchor_ != CK_INVALID_HANDLE) to_close.push_back(anchor_);
    }
    fl = fl_;
    generation_.reset();
    idle_.clear();
    open_ = 0;
    anchor_ = CK_INVALID_HANDLE;
    cv_.notify_all();  // waiters connect again instead of waiting for this generation's sessions
  }
  SAMP11_LOG(kWarn, "dropping the connection: " << why << "; the next operation connects again");
  for (CK_SESSION_HANDLE session : to_close) fl->C_CloseSession(session);
}

Result<Lease> SessionPool::Acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (generation_ != nullptr && pid_ != ::getpid()) {
      // A forked child: the sessions are the parent's. Forget them without a call (closing
      // them here could close a session the parent process still uses on a network HSM).
      generation_->dropped = true;
      generation_->sessions_alive = false;
      generation_.reset();
      idle_.clear();
      open_ = 0;
      anchor_ = CK_INVALID_HANDLE;
    }
    if (generation_ == nullptr) {
      lock.unlock();
      SAMP11_RETURN_IF_ERROR(Connect());
      lock.lock();
      continue;
    }
    if (!idle_.empty()) {
      CK_SESSION_HANDLE session = idle_.back();
      idle_.pop_back();
      return Lease(this, fl_, session, generation_);
    }
    if (open_ < config_.max_sessions) {
      ++open_;
      std::shared_ptr<Generation> generation = generation_;
      CK_FUNCTION_LIST* fl = fl_;
      CK_SLOT_ID slot = slot_;
      lock.unlock();
      CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
      CK_RV rv =
          fl->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &session);
      if (rv == CKR_OK) return Lease(this, fl, session, std::move(generation));
      lock.lock();
      if (generation == generation_) {
        --open_;
        cv_.notify_one();
      }
      lock.unlock();
      return Failure(nullptr, generation, "C_OpenSession", rv);
    }
    cv_.wait(lock);
  }
}

void SessionPool::Return(Lease& lease) {
  bool close = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (lease.generation_->dropped) {
      close = !lease.dead_ && lease.generation_->sessions_alive;
    } else if (lease.discard_) {
      close = !lease.dead_;
      --open_;
      cv_.notify_one();
    } else {
      idle_.push_back(lease.session_);
      cv_.notify_one();
    }
  }
  if (close) lease.fl_->C_CloseSession(lease.session_);
}

}  // namespace samp11::inner
