// The targets (docs/performance.md, "Targets"), printed as PASS/FAIL with their numbers. A
// missed target does not fail the run: it is a measurement, reported.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "bench/limit_parts.h"
#include "bench/row.h"

namespace samp11::bench {

struct TargetResults {
  nlohmann::json targets = nlohmann::json::array();           // {target, pass, numbers} each
  nlohmann::json sam_overhead_us = nlohmann::json::object();  // per key type
};

// Needs the samp11-file, openssl and softhsm rows of every key type (samp11-softhsm and
// samp11-postgres rows are checked where the run has them); cold is the cold-start array
// (keystores of 100,000 keys or more are held to the 1,000,000-key targets); processes is
// processes_runs.h's measurement, nodes node_runs.h's (null: the run has no token in PostgreSQL).
TargetResults CheckTargets(const std::vector<RowResult>& rows, const LimitParts& parts,
                           const nlohmann::json& cold, const nlohmann::json& processes,
                           const nlohmann::json& nodes);

}  // namespace samp11::bench
