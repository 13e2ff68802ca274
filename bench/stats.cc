#include "bench/stats.h"

#include <algorithm>
#include <cmath>

namespace samp11::bench {

double Micros(SteadyClock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(std::ceil(p * static_cast<double>(v.size()))) - 1;
  return v[std::min(i, v.size() - 1)];
}

double Median(std::vector<double> v) { return Percentile(std::move(v), 0.5); }

double MedianMicros(int n, double max_seconds, const std::function<void(int)>& op) {
  std::vector<double> v;
  auto begin = SteadyClock::now();
  for (int i = 0; i < n; ++i) {
    auto a = SteadyClock::now();
    op(i);
    v.push_back(Micros(SteadyClock::now() - a));
    if (Micros(SteadyClock::now() - begin) > max_seconds * 1e6) break;
  }
  return Median(v);
}

}  // namespace samp11::bench
