// The cold-start measurements of a run: for every --coldstart keystore, `samp11_bench coldstart`
// in a fresh process (3 times, 1 in smoke mode), medians kept (docs/performance.md, "Cold start").
#pragma once

#include <nlohmann/json.hpp>

#include "bench/run_options.h"

namespace samp11::bench {

// An array of {keys, init_us, init_to_first_signature_us, vm_hwm_kib, find_by_id_median_us,
// find_same_id_median_us}, one per o.coldstart entry.
nlohmann::json MeasureColdStarts(const RunOptions& o);

}  // namespace samp11::bench
