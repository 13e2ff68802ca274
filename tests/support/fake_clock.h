// A Clock (common/clock.h) that a test sets and moves by hand: SAD lifetimes, SCAL1 activation
// windows and audit timestamps are checked without waiting. Header-only, so that the unit
// tests that do not link samp11_test_support (unit_keystore) can use it too.
#pragma once

#include <atomic>
#include <cstdint>
#include <ctime>

#include "common/clock.h"

namespace samp11::testing {

class FakeClock : public Clock {
 public:
  // Starts at the real time: the SADs a TestToken's device issues carry the real iat and exp.
  FakeClock() : FakeClock(static_cast<int64_t>(std::time(nullptr))) {}
  explicit FakeClock(int64_t now) : now_(now) {}

  int64_t NowSeconds() const override { return now_.load(); }
  void Set(int64_t now) { now_.store(now); }
  void Advance(int64_t seconds) { now_ += seconds; }

 private:
  // Atomic: a SAM under test reads the time from several threads.
  std::atomic<int64_t> now_;
};

}  // namespace samp11::testing
