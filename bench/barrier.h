// Threads of a row meeting at one point (a batch SAD logged in for all of them). A thread that
// stopped on an error never arrives: the others give up after a minute instead of hanging.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "bench/p11.h"

namespace samp11::bench {

class Barrier {
 public:
  void Reset(int threads) {
    std::lock_guard<std::mutex> lock(m_);
    threads_ = threads;
    waiting_ = 0;
  }

  // Returns when all threads have called it; throws BenchError after a minute without them.
  void Wait() {
    std::unique_lock<std::mutex> lock(m_);
    const long generation = generation_;
    if (++waiting_ >= threads_) {
      waiting_ = 0;
      ++generation_;
      arrived_.notify_all();
      return;
    }
    if (!arrived_.wait_for(lock, std::chrono::minutes(1),
                           [&] { return generation != generation_; })) {
      throw BenchError("a thread of the row did not reach the barrier (stopped on an error?)");
    }
  }

 private:
  std::mutex m_;
  std::condition_variable arrived_;
  int threads_ = 1;
  int waiting_ = 0;
  long generation_ = 0;
};

}  // namespace samp11::bench
