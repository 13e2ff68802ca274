#include "common/clock.h"

#include <ctime>

namespace samp11 {

int64_t SystemClock::NowSeconds() const { return static_cast<int64_t>(std::time(nullptr)); }

const SystemClock& SystemClock::Instance() {
  static const SystemClock* clock = new SystemClock;
  return *clock;
}

const Clock& DefaultClock() { return SystemClock::Instance(); }

}  // namespace samp11
