#include "bench/limit.h"

namespace samp11::bench {

const RowResult* FindRow(const std::vector<RowResult>& rows, const std::string& group,
                         const std::string& mode, KeyType type, int threads) {
  for (const RowResult& r : rows) {
    if (r.group == group && r.mode == mode && r.type == type && r.threads == threads) return &r;
  }
  return nullptr;
}

double LimitOf(const RowResult& r, const std::vector<RowResult>& rows, const LimitParts& parts) {
  if (r.sigs_per_durable_write == 0) return 0.0;
  double sign_us = 1e6 / FindRow(rows, "openssl", "raw", r.type, 1)->sps;
  double write = r.durable_write_us > 0         ? r.durable_write_us
                 : r.durable_write == kPgCommit ? parts.PgCommitUs()
                                                : parts.DurableWriteUs();
  double us = sign_us + (r.sigs_per_sad > 0 ? parts.sad_verify_us / r.sigs_per_sad : 0.0) +
              write / r.sigs_per_durable_write;
  return r.threads * 1e6 / us;  // the parts are per core; 2 threads on 2 cores
}

}  // namespace samp11::bench
