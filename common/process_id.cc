// CurrentPid and OwnExecutable (process_id.h).
#include "common/process_id.h"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <mutex>

namespace samp11 {
namespace {

std::atomic<pid_t> cached_pid{0};

void ForgetPidInChild() { cached_pid.store(::getpid(), std::memory_order_relaxed); }

}  // namespace

pid_t CurrentPid() {
  static std::once_flag registered;
  std::call_once(registered, [] {
    ::pthread_atfork(nullptr, nullptr, ForgetPidInChild);
    cached_pid.store(::getpid(), std::memory_order_relaxed);
  });
  return cached_pid.load(std::memory_order_relaxed);
}

const std::string& OwnExecutable() {
  static const std::string path = [] {
    char buffer[PATH_MAX];
    const ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
    return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : std::string();
  }();
  return path;
}

}  // namespace samp11
