#include "common/cancel_signal.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace samp11 {

CancelSignal::~CancelSignal() {
  if (fd_ >= 0) ::close(fd_);
}

void CancelSignal::Cancel(Status reason) {
  std::lock_guard<std::mutex> lock(mu_);
  if (reason_) return;
  reason_ = std::move(reason);
  if (fd_ >= 0) {
    const uint64_t one = 1;
    // An eventfd write of 1 cannot block or fail short of overflow (2^64 - 2 writes).
    (void)!::write(fd_, &one, sizeof one);
  }
}

std::optional<Status> CancelSignal::reason() const {
  std::lock_guard<std::mutex> lock(mu_);
  return reason_;
}

Result<int> CancelSignal::WaitFd() {
  std::lock_guard<std::mutex> lock(mu_);
  if (fd_ < 0) {
    // Created already signalled when the signal fired before anyone waited.
    fd_ = ::eventfd(reason_ ? 1 : 0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (fd_ < 0) {
      return Status(Code::kInternal, std::string("eventfd: ") + std::strerror(errno));
    }
  }
  return fd_;
}

int64_t MonotonicMillis() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<int64_t>(now.tv_sec) * 1000 + now.tv_nsec / 1000000;
}

Result<WaitOutcome> WaitReadable(int fd, int64_t deadline_millis, CancelSignal* cancel) {
  pollfd fds[2];
  nfds_t count = 0;
  if (fd >= 0) fds[count++] = {fd, POLLIN, 0};
  int cancel_index = -1;
  if (cancel != nullptr) {
    SAMP11_ASSIGN_OR_RETURN(int cancel_fd, cancel->WaitFd());
    cancel_index = static_cast<int>(count);
    fds[count++] = {cancel_fd, POLLIN, 0};
  }
  for (;;) {
    if (cancel != nullptr && cancel->reason()) return WaitOutcome::kCancelled;
    const int64_t left = deadline_millis - MonotonicMillis();
    if (left <= 0) return WaitOutcome::kTimedOut;
    const int timeout = left > 60000 ? 60000 : static_cast<int>(left);
    const int n = ::poll(fds, count, timeout);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status(Code::kInternal, std::string("poll: ") + std::strerror(errno));
    }
    if (n == 0) continue;  // the loop head decides between timeout and another round
    if (cancel_index >= 0 && fds[cancel_index].revents != 0) return WaitOutcome::kCancelled;
    if (fd >= 0 && fds[0].revents != 0) return WaitOutcome::kReady;
  }
}

}  // namespace samp11
