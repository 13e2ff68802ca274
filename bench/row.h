// A row of the table: a workload signed by 1 or 2 threads, repeated, timed, its first signatures
// verified, its durable writes counted (docs/performance.md, "What is measured").
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <functional>
#include <string>

#include "bench/documents.h"
#include "common/bytes.h"
#include "crypto/key_type.h"

namespace samp11::bench {

// A workload signs document i of thread t; Prepare (untimed) makes the documents and SADs.
struct Workload {
  virtual ~Workload() = default;
  virtual void Prepare(int threads, int per_thread) = 0;
  virtual void BeforeTimed() {}
  virtual Bytes Sign(int thread, int i) = 0;
  virtual void AfterTimed() {}
  virtual const Doc& DocOf(int thread, int i) const = 0;
};

// A keystore's durable write, timed just before and just after a samp11 row: the part of the row's
// limit that a shared machine moves most (docs/performance.md, "Parts of the limit").
struct DurableWrite {
  std::string what;                        // kFdatasync or kPgCommit
  std::function<double(int n)> median_us;  // the median time of n of them
};
inline constexpr char kFdatasync[] = "fdatasync";       // 100 bytes appended + fdatasync
inline constexpr char kPgCommit[] = "postgres-commit";  // pg_commit.h

struct RowResult {
  // openssl, softhsm, samp11-file, samp11-softhsm, samp11-postgres, samp11-p11kit
  std::string group;
  std::string mode;  // raw, plain, context-login, single-sad, batch-100, scal1, deposit, ...
  KeyType type;
  int threads = 1;
  double sps = 0;
  double p50_us = 0;
  double p99_us = 0;
  int64_t signatures = 0;
  int64_t verified = 0;
  int sigs_per_sad = 0;
  int sigs_per_durable_write = 0;
  double syncs_per_signature = 0;    // fsync + fdatasync calls in the process, measured
  double sync_us_per_signature = 0;  // time in them
  double p50_minus_sync_us = 0;      // 1 thread: median of (latency - its own sync time)
  double durable_write_us = 0;       // measured just before and after the row (samp11 rows)
  std::string durable_write;         // which (DurableWrite::what); empty for other rows
};

struct RunSettings {
  int reps = 3;
  double seconds_per_rep = 0.4;
  int min_per_thread = 20;
  int max_per_thread = 4000;
  double process_seconds = 2.0;  // the common window of the processes runs
  bool smoke = false;
};

// Runs a row: a warm-up sizes each repeat to about seconds_per_rep, then reps repeats; the
// rate is the median over repeats, latencies are pooled. The first signature of every thread
// and repeat is verified against the public key. With a durable write, it is timed just before
// and just after the row (RowResult::durable_write_us).
RowResult RunRow(const std::string& group, const std::string& mode, KeyType type, int threads,
                 Workload& w, EVP_PKEY* pub, const RunSettings& settings,
                 const DurableWrite* write = nullptr);

}  // namespace samp11::bench
