// What a run reports: the table on stdout and the JSON file (bench/results/NAME.json): the
// settings, the parts of the limit, every row with its ratios, the SAM costs and cold starts.
// The targets are targets.h.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/limit_parts.h"
#include "bench/row.h"
#include "bench/run_options.h"

namespace samp11::bench {

// The JSON's "limit": how the limit is computed, in words.
extern const char* const kLimitDefinition;

// The JSON's date, machine, smoke flag and settings.
nlohmann::json ReportHeader(const RunOptions& o, const RunSettings& settings);

// Prints the table (one line per row, with /limit, /ossl and /shsm for samp11 rows) and returns
// the rows' JSON, ratios included.
nlohmann::json PrintRowTable(const std::vector<RowResult>& rows, const LimitParts& parts);

// Prints the parts of the limit, the SAM costs and the cold starts under the table.
void PrintPartsAndCosts(const LimitParts& parts, const nlohmann::json& sam_costs,
                        const nlohmann::json& cold);

// Writes the report to path (nothing if path is empty) and says so on stdout.
void WriteReport(const nlohmann::json& report, const std::string& path);

}  // namespace samp11::bench
