// CurrentPid (process_id.h).
#include "common/process_id.h"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
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

}  // namespace samp11
