#include "bench/processes_runs.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench/key_specs.h"
#include "bench/p11.h"
#include "bench/spawn.h"
#include "bench/stats.h"

namespace samp11::bench {
namespace {

using nlohmann::json;

// Starts count processes of this same executable's `scal1-process` that sign over one common
// window, and returns their JSON lines.
std::vector<json> SpawnScal1Processes(const RunOptions& o, const std::string& key_id, int count,
                                      double seconds) {
  // Time for every process to load the module, log in and verify a signature before the window.
  char window[64];
  std::snprintf(window, sizeof window, " --start-at-ms %lld --seconds %.3f",
                static_cast<long long>(StartAtMs(1500)), seconds);
  // The login reaches the children through the environment (the bench has no other thread at
  // this point), not through the shell command line that ps shows.
  if (setenv("SAMP11_BENCH_LOGIN", o.name_pin.c_str(), 1) != 0) {
    throw BenchError("setenv SAMP11_BENCH_LOGIN");
  }
  const std::string cmd = "SAMP11_CONF='" + o.conf + "' " + SelfExe() +
                          " scal1-process --module '" + o.module + "' --token '" + o.token +
                          "' --key-id " + key_id + window;
  return SpawnTogether(std::vector<std::string>(count, cmd));
}

// The summed rate of count processes over repeats (median), with the last repeat's details.
json MeasureCount(const RunOptions& o, const std::string& key_id, int count, int repeats,
                  double seconds) {
  SpawnedRepeats runs;
  for (int rep = 0; rep < repeats; ++rep) {
    runs.Add(SpawnScal1Processes(o, key_id, count, seconds), seconds);
  }
  json m = runs.Summary();
  m["processes"] = count;
  const double max_late_ms = runs.max_late_ms();
  std::fprintf(stderr,
               "  %d process(es) x 1 thread, SCAL1 ec-p256: %9.1f sig/s (late %.0f ms at most)\n",
               count, m["sps"].get<double>(), max_late_ms);
  return m;
}

}  // namespace

json MeasureProcesses(const RunOptions& o, const RunSettings& settings) {
  std::fprintf(stderr, "== processes: samp11-file SCAL1 ec-p256, 1 and 4 processes\n");
  const std::string key_id = HexEncode(SamKeyId("01", 1, KeyType::kEcP256));
  const int repeats = settings.smoke ? 1 : 3;
  const double seconds = settings.smoke ? 0.2 : settings.process_seconds;
  if (o.only == "processes/4" || o.only == "processes/1") {
    return MeasureCount(o, key_id, o.only == "processes/4" ? 4 : 1, repeats, seconds);
  }
  json one = MeasureCount(o, key_id, 1, repeats, seconds);
  json four = MeasureCount(o, key_id, 4, repeats, seconds);
  return {{"group", "samp11-file"},
          {"mode", "scal1"},
          {"key", "ec-p256"},
          {"seconds", seconds},
          {"repeats", repeats},
          {"one", one},
          {"four", four},
          {"four_over_one", four["sps"].get<double>() / one["sps"].get<double>()}};
}

}  // namespace samp11::bench
