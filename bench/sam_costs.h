// The SAM's own costs, isolated, on the run's keystore (docs/performance.md, "SAM costs"):
// Sam::VerifySad, ParseSad alone, and the records a signature writes (a spend with its record,
// synced; a SCAL1 record, lazy), median µs.
#pragma once

#include <nlohmann/json.hpp>

#include "bench/device.h"
#include "bench/run_options.h"

namespace samp11::bench {

// {sad_parse_us, sad_parse_verify_us, spend_hash_us, audit_append_us}; reports on stderr.
nlohmann::json MeasureSamCosts(const RunOptions& o, const Device& device);

}  // namespace samp11::bench
