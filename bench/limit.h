// How a row's limit is computed (docs/performance.md, "How the limit is computed"):
//   limit = threads / (sign + SAD verify / signatures per SAD + durable write / signatures per
//           durable write)
// with sign the 1-thread `openssl raw` time of the key type, the other parts from the same run.
#pragma once

#include <string>
#include <vector>

#include "bench/limit_parts.h"
#include "bench/row.h"

namespace samp11::bench {

// The row, or nullptr if the run has none such (e.g. no p11-kit row, no SoftHSM backend).
const RowResult* FindRow(const std::vector<RowResult>& rows, const std::string& group,
                         const std::string& mode, KeyType type, int threads);

// sig/s; 0 for a row without a limit (signatures per durable write 0: openssl, softhsm). The
// durable write is the row's own (measured around it) when it has one, else the run's median of
// the same kind (the file's fdatasync, or the PostgreSQL server's commit).
double LimitOf(const RowResult& r, const std::vector<RowResult>& rows, const LimitParts& parts);

}  // namespace samp11::bench
