// The nodes row (docs/performance.md, "Nodes"): single-SAD RSA-2048 signatures of one signing node
// of the PostgreSQL token, then of two nodes at once on the same database, each node a process of
// its own (`samp11_bench node-process`, node_process.h) with its node's configuration.
#pragma once

#include <nlohmann/json.hpp>

#include "bench/row.h"
#include "bench/run_options.h"

namespace samp11::bench {

// {group, mode, key, seconds, repeats, one: {sps, ...}, two: {sps, per_process, ...},
// two_over_one}; o.pg_node_confs holds the nodes' configurations (two at least).
nlohmann::json MeasureNodes(const RunOptions& o, const RunSettings& settings);

}  // namespace samp11::bench
