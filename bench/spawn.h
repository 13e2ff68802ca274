// Child processes of this same executable that run over one common window (the processes and
// the nodes rows): they are all started before any is read, each prints one JSON line.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace samp11::bench {

// CLOCK_REALTIME in milliseconds since the epoch, delay_ms from now: the window's start, late
// enough for every child to load the module and get ready before it.
int64_t StartAtMs(int64_t delay_ms);

// "/proc/PID/exe": this executable, for a shell command line.
std::string SelfExe();

// Runs every command (a shell command line each) at once and returns their JSON lines, in order.
// Throws BenchError naming the first command that failed, once all have ended.
std::vector<nlohmann::json> SpawnTogether(const std::vector<std::string>& commands);

// The repeats of a row of child processes: each repeat's rate is the sum of its children's
// signatures over the window; the row is their median, with the latest start seen and the last
// repeat's children as they reported.
class SpawnedRepeats {
 public:
  void Add(const std::vector<nlohmann::json>& children, double seconds);
  // {"sps", "sps_per_repeat", "max_late_ms", "last_repeat"}.
  nlohmann::json Summary() const;
  double max_late_ms() const { return max_late_ms_; }

 private:
  std::vector<double> rates_;
  nlohmann::json last_;
  double max_late_ms_ = 0;
};

}  // namespace samp11::bench
