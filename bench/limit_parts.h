// The physical limit's parts that are not rows (docs/performance.md, "Parts of the limit"): the
// SAD's JWS verification by OpenSSL, one durable write in the keystore's folder and, when the run
// has a token in PostgreSQL, one durable write there (a commit on its server, pg_commit.h).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/device.h"
#include "bench/pg_commit.h"
#include "bench/row.h"
#include "bench/run_options.h"

namespace samp11::bench {

// Median time of n appends of 100 bytes + fdatasync to a scratch file in dir.
double DurableWriteMicros(const std::string& dir, int n);

// Median time of OpenSSL's verification of a real SAD's JWS (ES256 / ES384 / EdDSA, as the
// device key is), n times.
double SadVerifyMicros(const Device& device, int n);

struct LimitParts {
  std::string sad_alg;  // "ES256", ...
  double sad_verify_us = 0;
  // The durable write is sampled three times in a run (before the SoftHSM rows, before the
  // samp11 rows, after them): a shared machine's disk moves a lot. The limit uses the median.
  std::string write_dir;
  int write_n = 0;
  std::vector<double> durable_write_samples_us;
  // The PostgreSQL token's commit, sampled with the file's (pg_n commits each time); null when
  // the run has no token in PostgreSQL.
  std::shared_ptr<PgCommitProbe> pg;
  int pg_n = 0;
  std::vector<double> pg_commit_samples_us;
  std::vector<double> pg_commit_mean_samples_us;

  void SampleDurableWrite();
  double DurableWriteUs() const;  // median of the samples so far
  double PgCommitUs() const;      // median of the PostgreSQL samples so far
  nlohmann::json ToJson() const;
};

// A row's own durable writes (row.h): write + fdatasync in dir, or a commit through probe.
DurableWrite FileDurableWrite(const std::string& dir);
DurableWrite PgDurableWrite(std::shared_ptr<PgCommitProbe> probe);

// The SAD verification and the first durable write sample; reports them on stderr.
LimitParts MeasureLimitParts(const RunOptions& o, const Device& device);

}  // namespace samp11::bench
