// The `openssl raw` rows: OpenSSL's own signature with a key in memory, the physical limit's
// signing part.
#pragma once

#include <vector>

#include "bench/row.h"

namespace samp11::bench {

// One key per type in kKeys, 1 and 2 threads each.
void AddOpensslRawRows(const RunSettings& settings, std::vector<RowResult>& rows);

}  // namespace samp11::bench
