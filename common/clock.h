// Time as the SAM sees it: seconds since the epoch, replaceable in tests.
#pragma once

#include <cstdint>

namespace samp11 {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowSeconds() const = 0;
};

class SystemClock : public Clock {
 public:
  int64_t NowSeconds() const override;
  static const SystemClock& Instance();
};

const Clock& DefaultClock();

}  // namespace samp11
