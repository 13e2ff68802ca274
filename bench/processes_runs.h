// The processes row (docs/performance.md, "Processes"): SCAL1 EC P-256 signatures of 1 process
// and of 4 processes at once on the same keystore, each process one thread, each a fresh
// `samp11_bench scal1-process` (processes.h).
#pragma once

#include <nlohmann/json.hpp>

#include "bench/row.h"
#include "bench/run_options.h"

namespace samp11::bench {

// {key, seconds, repeats, one: {sps, ...}, four: {sps, per_process, ...}, four_over_one}.
nlohmann::json MeasureProcesses(const RunOptions& o, const RunSettings& settings);

}  // namespace samp11::bench
