#include "bench/coldstart_runs.h"

#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "bench/coldstart.h"
#include "bench/must.h"
#include "bench/stats.h"
#include "config/config.h"
#include "keystore/keystore.h"
#include "token/open_keystore.h"

namespace samp11::bench {
namespace {

using nlohmann::json;

// Runs this same executable's `coldstart` with the token's configuration; its JSON line.
json SpawnColdStart(const ColdStartOptions& o, const std::string& conf) {
  std::string cmd = "SAMP11_CONF='" + conf + "' /proc/" + std::to_string(getpid()) +
                    "/exe coldstart --module '" + o.module + "' --token '" + o.token +
                    "' --key-id " + o.key_id + " --device-key '" + o.device_key + "' --aud " +
                    o.aud + " --find-prefix " + o.find_prefix + " --find-count " +
                    std::to_string(o.find_count) + " --find-reps " + std::to_string(o.find_reps);
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) throw BenchError("popen coldstart");
  std::string out;
  char buf[4096];
  while (fgets(buf, sizeof buf, p) != nullptr) out += buf;
  int rc = pclose(p);
  if (rc != 0) throw BenchError("coldstart child failed (" + std::to_string(rc) + "): " + cmd);
  return json::parse(out);
}

// One --coldstart entry, TOKEN:CONF:KEYS.
json MeasureColdStart(const RunOptions& o, const std::string& entry) {
  size_t a = entry.find(':'), b = entry.rfind(':');
  ColdStartOptions c;
  c.module = o.module;
  c.token = entry.substr(0, a);
  std::string conf = entry.substr(a + 1, b - a - 1);
  int64_t keys = std::stoll(entry.substr(b + 1));
  c.key_id = o.coldstart_key_id;
  c.device_key = o.device_key;
  c.find_prefix = o.bulk_prefix;
  c.find_count = keys - 1;
  c.find_reps = o.smoke ? 5 : 200;
  {
    ModuleConfig mc = Must(LoadConfig(conf), "LoadConfig " + conf);
    std::unique_ptr<Keystore> ks = Must(OpenTokenKeystore(mc.tokens.at(0)), "open keystore");
    c.aud = ks->identity();
  }
  std::vector<double> first, init, hwm, find, warm;
  for (int rep = 0; rep < (o.smoke ? 1 : 3); ++rep) {
    json j = SpawnColdStart(c, conf);
    first.push_back(j["init_to_first_signature_us"]);
    init.push_back(j["init_us"]);
    hwm.push_back(j["vm_hwm_kib"]);
    find.push_back(j["find_by_id_median_us"]);
    warm.push_back(j["find_same_id_median_us"]);
  }
  json row = {{"keys", keys},
              {"init_us", Median(init)},
              {"init_to_first_signature_us", Median(first)},
              {"vm_hwm_kib", Median(hwm)},
              {"find_by_id_median_us", Median(find)},
              {"find_same_id_median_us", Median(warm)}};
  std::fprintf(stderr, "  cold start %s\n", row.dump().c_str());
  return row;
}

}  // namespace

json MeasureColdStarts(const RunOptions& o) {
  json cold = json::array();
  for (const std::string& entry : o.coldstart) cold.push_back(MeasureColdStart(o, entry));
  return cold;
}

}  // namespace samp11::bench
