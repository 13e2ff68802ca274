// Time and the statistics every row reports: medians and percentiles of microseconds.
#pragma once

#include <chrono>
#include <functional>
#include <vector>

namespace samp11::bench {

using SteadyClock = std::chrono::steady_clock;

double Micros(SteadyClock::duration d);

// The p-th percentile (0 < p <= 1) by rank, of a copy of v; 0 for an empty v.
double Percentile(std::vector<double> v, double p);
double Median(std::vector<double> v);

// The median time of op(0), op(1), ... op(n-1), stopping early once max_seconds have passed.
double MedianMicros(int n, double max_seconds, const std::function<void(int)>& op);

}  // namespace samp11::bench
