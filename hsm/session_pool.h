// The connection to the inner token (slot, login, anchor session), made on first use, and a pool
// of sessions leased one per operation. The module registry (inner_module.h) owns C_Initialize.
//
// A failed call is reported to the pool (Lease::Failure), which decides what it means: a lost
// session or login drops the connection and the operation is tried once more on a fresh one
// (Run); a removed token drops it for good until the next operation; anything else is the
// caller's error. The connecting itself (slot, PIN, login retries) is in connect.cc.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/log.h"
#include "common/status.h"
#include "cryptoki/pkcs11_v3.h"
#include "hsm/inner_module.h"
#include "hsm/inner_token_config.h"
#include "hsm/pin_file.h"

namespace samp11::inner {

// One connection. Sessions leased from a connection that has since been dropped go back to no
// pool: they are closed if the module still knows them, forgotten otherwise (the module may
// already have handed the same handle number to a new session).
struct Generation {
  uint64_t number = 0;  // 1, 2, ...: KnownKey::generation refers to it
  bool dropped = false;
  bool sessions_alive = true;  // when dropped: does the module still hold its sessions?
};

class SessionPool;

// One session, lent to one operation; goes back to the pool (or is discarded) when destroyed.
class Lease {
 public:
  Lease(SessionPool* pool, CK_FUNCTION_LIST* functions, CK_SESSION_HANDLE session,
        std::shared_ptr<Generation> generation)
      : pool_(pool), fl_(functions), session_(session), generation_(std::move(generation)) {}
  Lease(Lease&& other) noexcept
      : pool_(std::exchange(other.pool_, nullptr)),
        fl_(other.fl_),
        session_(other.session_),
        generation_(std::move(other.generation_)),
        discard_(other.discard_),
        dead_(other.dead_),
        retry_(other.retry_) {}
  Lease& operator=(Lease&&) = delete;
  ~Lease();

  CK_FUNCTION_LIST* fl() const { return fl_; }
  CK_SESSION_HANDLE session() const { return session_; }
  const std::shared_ptr<Generation>& generation() const { return generation_; }
  // The inner token, for messages: "token 'NAME' of /path/module.so".
  const std::string& Describe() const;

  // Closes the session instead of pooling it (an operation may still be active in it).
  void Discard() { discard_ = true; }
  // The module no longer knows the session: neither pool nor close it.
  void Dead() { discard_ = dead_ = true; }
  // The operation failed in a way a fresh connection or a fresh handle may cure; Run tries it
  // once more.
  void Retry(bool retry = true) { retry_ = retry; }
  bool retry() const { return retry_; }

  // The Status for a failed call in this session, after the pool has reacted to it (session
  // dead, connection dropped, Retry set): kTokenNotPresent, kNotFound for a stale object handle,
  // kDevice otherwise; the CKR_ name and the token in the message.
  Status Failure(const std::string& function, CK_RV rv);
  // Fails with CKR_USER_NOT_LOGGED_IN if the session lost the login (another user of the
  // module logged out): object searches would silently miss every private key.
  Status CheckLoggedIn();

 private:
  friend class SessionPool;
  SessionPool* pool_;
  CK_FUNCTION_LIST* fl_;
  CK_SESSION_HANDLE session_;
  std::shared_ptr<Generation> generation_;
  bool discard_ = false;
  bool dead_ = false;
  bool retry_ = false;
};

class SessionPool {
 public:
  explicit SessionPool(InnerTokenConfig config);
  ~SessionPool();
  SessionPool(const SessionPool&) = delete;
  SessionPool& operator=(const SessionPool&) = delete;

  // "token 'NAME' of /path/module.so", or "token with serial 'S' of ...".
  const std::string& Describe() const { return description_; }

  // A session of the current connection, connecting first if there is none (or this process is
  // a fork of the one that connected); waits while max_sessions are leased.
  Result<Lease> Acquire();
  // Runs attempt(lease) on a leased session, and once more on a fresh lease (reconnecting if
  // needed) if the first attempt failed with lease.retry() set.
  template <typename T, typename F>
  Result<T> Run(F attempt);

 private:
  friend class Lease;

  void Return(Lease& lease);
  // connect.cc: the connection, its slot and its login.
  Status Connect();
  Result<CK_SLOT_ID> FindSlot(CK_FUNCTION_LIST* fl);
  // *stale: the module's view of the token file is out of date (SoftHSMv2 issue #757), and a
  // fresh C_Initialize may cure it.
  Status Login(CK_FUNCTION_LIST* fl, CK_SESSION_HANDLE anchor, bool* stale);
  void Drop(const std::shared_ptr<Generation>& generation, bool sessions_alive,
            const std::string& why);
  // lease may be null (no session involved).
  Status Failure(Lease* lease, const std::shared_ptr<Generation>& generation,
                 const std::string& function, CK_RV rv);
  // A failure while connecting (no connection to drop yet).
  Status ConnectFailure(const std::string& function, CK_RV rv);

  const InnerTokenConfig config_;
  const std::string description_;

  // One connect at a time; guards module_ (set once) and pin_file_.
  std::mutex connect_mu_;
  InnerModuleRef module_;
  PinFile pin_file_;
  int connects_ = 0;

  // The connection and its session pool.
  std::mutex mu_;
  std::condition_variable cv_;
  std::shared_ptr<Generation> generation_;  // null: not connected
  CK_FUNCTION_LIST* fl_ = nullptr;
  pid_t pid_ = 0;  // the process that connected; a forked child connects again
  CK_SLOT_ID slot_ = 0;
  // Kept open while connected: the login lasts only as long as some session of ours is open.
  CK_SESSION_HANDLE anchor_ = CK_INVALID_HANDLE;
  std::vector<CK_SESSION_HANDLE> idle_;
  size_t open_ = 0;  // sessions of this generation, idle or leased (anchor not counted)
  uint64_t generations_ = 0;
};

template <typename T, typename F>
Result<T> SessionPool::Run(F attempt) {
  for (int tries = 0;; ++tries) {
    SAMP11_ASSIGN_OR_RETURN(Lease lease, Acquire());
    Result<T> result = attempt(lease);
    if (result.ok() || tries > 0 || !lease.retry()) return result;
    SAMP11_LOG(kInfo, description_ << ": trying once more after " << result.status().message());
  }
}

}  // namespace samp11::inner
