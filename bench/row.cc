#include "bench/row.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include "bench/key_specs.h"
#include "bench/p11.h"
#include "bench/stats.h"
#include "bench/sync_counter.h"

namespace samp11::bench {

RowResult RunRow(const std::string& group, const std::string& mode, KeyType type, int threads,
                 Workload& w, EVP_PKEY* pub, const RunSettings& settings,
                 const DurableWrite* write) {
  RowResult r;
  // The disk of a shared machine changes its mind: the row's limit uses a durable write
  // measured right before and right after it.
  const int write_n = settings.smoke ? 3 : 30;
  double write_before = write == nullptr ? 0 : write->median_us(write_n);
  r.group = group;
  r.mode = mode;
  r.type = type;
  r.threads = threads;
  const std::string row =
      group + "/" + mode + "/" + Spec(type).name + "/" + std::to_string(threads);
  int per_thread = settings.min_per_thread;
  if (!settings.smoke) {  // warm-up of one thread, also sizes the repeats
    w.Prepare(1, settings.min_per_thread);
    w.BeforeTimed();
    auto t0 = SteadyClock::now();
    for (int i = 0; i < settings.min_per_thread; ++i) w.Sign(0, i);
    double each = Micros(SteadyClock::now() - t0) / settings.min_per_thread;
    w.AfterTimed();
    per_thread = static_cast<int>(settings.seconds_per_rep * 1e6 / std::max(each, 1.0));
    per_thread = std::clamp(per_thread, settings.min_per_thread, settings.max_per_thread);
  }
  std::vector<double> rates;
  std::vector<double> latencies;
  std::vector<double> minus_sync;
  int64_t calls0 = 0, ns0 = 0, calls = 0, ns = 0;
  for (int rep = 0; rep < settings.reps; ++rep) {
    w.Prepare(threads, per_thread);
    std::vector<std::vector<double>> lat(threads);
    std::vector<std::vector<double>> lat_minus_sync(threads);
    std::vector<Bytes> first(threads);
    std::vector<std::string> errors(threads);
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    w.BeforeTimed();
    auto body = [&](int t) {
      lat[t].reserve(per_thread);
      ready++;
      while (!go.load()) {
      }
      try {
        for (int i = 0; i < per_thread; ++i) {
          int64_t sync0 = g_sync_ns.load();
          auto a = SteadyClock::now();
          Bytes sig = w.Sign(t, i);
          double us = Micros(SteadyClock::now() - a);
          lat[t].push_back(us);
          lat_minus_sync[t].push_back(us - static_cast<double>(g_sync_ns.load() - sync0) / 1e3);
          if (i == 0) first[t] = std::move(sig);
        }
      } catch (const std::exception& e) {
        errors[t] = e.what();
      }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(body, t);
    while (ready.load() < threads - 1) {
    }
    calls0 = g_sync_calls.load();
    ns0 = g_sync_ns.load();
    auto start = SteadyClock::now();
    go = true;
    ready++;
    body(0);
    for (std::thread& th : pool) th.join();
    double wall = Micros(SteadyClock::now() - start);
    calls += g_sync_calls.load() - calls0;
    ns += g_sync_ns.load() - ns0;
    w.AfterTimed();
    for (const std::string& e : errors) {
      if (!e.empty()) throw BenchError(row + ": " + e);
    }
    rates.push_back(threads * per_thread / (wall / 1e6));
    for (int t = 0; t < threads; ++t) {
      latencies.insert(latencies.end(), lat[t].begin(), lat[t].end());
      minus_sync.insert(minus_sync.end(), lat_minus_sync[t].begin(), lat_minus_sync[t].end());
      VerifyOrThrow(pub, type, w.DocOf(t, 0), first[t], row);
      r.verified++;
    }
    r.signatures += threads * per_thread;
  }
  r.sps = Median(rates);
  r.p50_us = Percentile(latencies, 0.5);
  r.p99_us = Percentile(latencies, 0.99);
  r.syncs_per_signature = static_cast<double>(calls) / static_cast<double>(r.signatures);
  r.sync_us_per_signature = static_cast<double>(ns) / 1e3 / static_cast<double>(r.signatures);
  if (threads == 1) r.p50_minus_sync_us = Percentile(minus_sync, 0.5);
  if (write != nullptr) {
    r.durable_write_us = (write_before + write->median_us(write_n)) / 2;
    r.durable_write = write->what;
  }
  std::fprintf(stderr, "  %-44s %9.1f sig/s  p50 %8.1f us  p99 %8.1f us  (%lld signatures)\n",
               row.c_str(), r.sps, r.p50_us, r.p99_us, static_cast<long long>(r.signatures));
  return r;
}

}  // namespace samp11::bench
