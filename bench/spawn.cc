#include "bench/spawn.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "bench/p11.h"
#include "bench/stats.h"

namespace samp11::bench {

int64_t StartAtMs(int64_t delay_ms) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
             .count() +
         delay_ms;
}

std::string SelfExe() { return "/proc/" + std::to_string(getpid()) + "/exe"; }

std::vector<nlohmann::json> SpawnTogether(const std::vector<std::string>& commands) {
  std::vector<FILE*> children;
  for (const std::string& cmd : commands) {
    FILE* p = popen(cmd.c_str(), "r");
    if (p == nullptr) {
      for (FILE* started : children) pclose(started);
      throw BenchError("popen " + cmd);
    }
    children.push_back(p);
  }
  std::vector<nlohmann::json> results;
  std::string failure;
  for (size_t i = 0; i < children.size(); ++i) {
    std::string out;
    char buf[4096];
    while (fgets(buf, sizeof buf, children[i]) != nullptr) out += buf;
    int rc = pclose(children[i]);
    if (rc != 0 && failure.empty()) {
      failure = "a child failed (" + std::to_string(rc) + "): " + commands[i];
    }
    if (rc == 0) results.push_back(nlohmann::json::parse(out));
  }
  if (!failure.empty()) throw BenchError(failure);
  return results;
}

void SpawnedRepeats::Add(const std::vector<nlohmann::json>& children, double seconds) {
  double sum = 0;
  nlohmann::json per_process = nlohmann::json::array();
  for (const nlohmann::json& r : children) {
    sum += r["signatures"].get<double>() / seconds;
    max_late_ms_ = std::max(max_late_ms_, r["late_ms"].get<double>());
    per_process.push_back(r);
  }
  rates_.push_back(sum);
  last_ = per_process;
}

nlohmann::json SpawnedRepeats::Summary() const {
  return {{"sps", Median(rates_)},
          {"sps_per_repeat", rates_},
          {"max_late_ms", max_late_ms_},
          {"last_repeat", last_}};
}

}  // namespace samp11::bench
