#include "bench/node_runs.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "bench/key_specs.h"
#include "bench/p11.h"
#include "bench/spawn.h"
#include "bench/stats.h"

namespace samp11::bench {
namespace {

using nlohmann::json;

constexpr KeyType kType = KeyType::kRsa2048;
// SADs each process issues per second of its window: above what one thread can sign at all with
// RSA-2048 here (OpenSSL's own rate is about 4,900/s; a single-SAD signature also waits for a
// commit). A process that runs out says so and fails.
constexpr double kSadsPerSecond = 5000;

// The summed rate of the first count nodes signing at once, over repeats (median).
json MeasureNodeCount(const RunOptions& o, int count, int repeats, double seconds) {
  const std::string key_id = HexEncode(SamKeyId("03", 2, kType));
  const int sads = static_cast<int>(std::ceil(seconds * kSadsPerSecond)) + 1;
  // Time for a process to issue its SADs (about 30 us each), load the module, open the token and
  // verify a signature before the window.
  const int64_t start_delay_ms = 1500 + sads / 10;
  SpawnedRepeats runs;
  for (int rep = 0; rep < repeats; ++rep) {
    char window[96];
    std::snprintf(window, sizeof window, " --start-at-ms %lld --seconds %.3f --sads %d",
                  static_cast<long long>(StartAtMs(start_delay_ms)), seconds, sads);
    std::vector<std::string> commands;
    for (int i = 0; i < count; ++i) {
      commands.push_back("SAMP11_CONF='" + o.pg_node_confs.at(i) + "' " + SelfExe() +
                         " node-process --module '" + o.module + "' --token '" + o.pg_token +
                         "' --key-id " + key_id + " --key-type " + Spec(kType).name +
                         " --device-key '" + o.device_key + "' --aud '" + o.pg_aud + "'" + window);
    }
    runs.Add(SpawnTogether(commands), seconds);
  }
  json m = runs.Summary();
  m["nodes"] = count;
  const double max_late_ms = runs.max_late_ms();
  std::fprintf(stderr,
               "  %d node(s) x 1 process x 1 thread, single-SAD %s: %9.1f sig/s (late %.0f ms at "
               "most)\n",
               count, Spec(kType).name, m["sps"].get<double>(), max_late_ms);
  return m;
}

}  // namespace

json MeasureNodes(const RunOptions& o, const RunSettings& settings) {
  std::fprintf(stderr, "== nodes: samp11-postgres single-SAD %s, 1 and 2 node processes\n",
               Spec(kType).name);
  if (o.pg_node_confs.size() < 2) throw BenchError("the nodes row needs two --pg-node-conf");
  const int repeats = settings.smoke ? 1 : 3;
  const double seconds = settings.smoke ? 0.2 : settings.process_seconds;
  if (o.only == "nodes/1" || o.only == "nodes/2") {
    return MeasureNodeCount(o, o.only == "nodes/2" ? 2 : 1, repeats, seconds);
  }
  json one = MeasureNodeCount(o, 1, repeats, seconds);
  json two = MeasureNodeCount(o, 2, repeats, seconds);
  return {{"group", "samp11-postgres"},
          {"mode", "single-sad"},
          {"key", Spec(kType).name},
          {"seconds", seconds},
          {"repeats", repeats},
          {"one", one},
          {"two", two},
          {"two_over_one", two["sps"].get<double>() / one["sps"].get<double>()}};
}

}  // namespace samp11::bench
