// A one-shot signal that ends a wait from another thread. A C_Sign waiting for the signer's
// device holds its session's lock, so C_CloseSession, C_SessionCancel and C_Finalize cannot reach
// the operation through it: they fire the operation's signal instead, and the wait returns.
// The eventfd behind it is made at the first wait: a signal nobody waits on costs no system call.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>

#include "common/status.h"

namespace samp11 {

class CancelSignal {
 public:
  CancelSignal() = default;
  ~CancelSignal();
  CancelSignal(const CancelSignal&) = delete;
  CancelSignal& operator=(const CancelSignal&) = delete;

  // Fires the signal; the first reason wins. Never blocks (safe under any caller's lock).
  void Cancel(Status reason);
  // The reason, once fired.
  std::optional<Status> reason() const;
  // A descriptor that is readable once the signal fired, for poll(); made on first use.
  // kInternal if no eventfd can be made.
  Result<int> WaitFd();

 private:
  mutable std::mutex mu_;  // guards reason_ and fd_; held only for a few instructions
  std::optional<Status> reason_;
  int fd_ = -1;
};

// Milliseconds on the monotonic clock: deadlines of waits are measured on it, so a change of the
// wall clock neither ends a wait early nor makes it last for ever.
int64_t MonotonicMillis();

enum class WaitOutcome { kReady, kTimedOut, kCancelled };
// Waits until fd (-1: none) is readable or hung up, the monotonic deadline passes, or cancel
// (may be null) fires; EINTR is retried. kInternal if poll fails.
Result<WaitOutcome> WaitReadable(int fd, int64_t deadline_millis, CancelSignal* cancel);

}  // namespace samp11
