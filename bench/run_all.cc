#include "bench/run_all.h"

#include <cstdio>
#include <memory>
#include <vector>

#include "bench/coldstart_runs.h"
#include "bench/device.h"
#include "bench/key_specs.h"
#include "bench/limit_parts.h"
#include "bench/node_runs.h"
#include "bench/openssl_rows.h"
#include "bench/processes_runs.h"
#include "bench/report.h"
#include "bench/row.h"
#include "bench/sam_costs.h"
#include "bench/samp11_rows.h"
#include "bench/softhsm_rows.h"
#include "bench/targets.h"

namespace samp11::bench {
namespace {

RunSettings SettingsOf(const RunOptions& o) {
  RunSettings settings;
  settings.smoke = o.smoke;
  if (o.smoke) {
    settings.reps = 1;
    settings.min_per_thread = 3;
  }
  return settings;
}

// RunOptions::only: one samp11 row, or the processes or nodes runs, long enough for a profiler;
// their lines on stdout, nothing else measured and no JSON.
int RunOnly(const RunOptions& o, RunSettings settings) {
  settings.seconds_per_rep = o.only_seconds;
  settings.max_per_thread = 1000000;
  settings.process_seconds = o.only_seconds;
  if (o.only == "processes/1" || o.only == "processes/4") {
    std::printf("%s\n", MeasureProcesses(o, settings).dump(2).c_str());
    return 0;
  }
  if (o.only == "nodes/1" || o.only == "nodes/2") {
    std::printf("%s\n", MeasureNodes(o, settings).dump(2).c_str());
    return 0;
  }
  Device device = LoadDevice(o.device_key, o.aud);
  std::vector<RowResult> rows;
  Samp11Token samp11(o);
  AddSamp11Rows(samp11, o, device, FileDurableWrite(o.keystore_dir), settings, rows);
  if (!o.pg_token.empty() && o.only.rfind("samp11-postgres/", 0) == 0) {
    Device pg_device = LoadDevice(o.device_key, o.pg_aud);
    AddSamp11PostgresRows(samp11, o, pg_device,
                          PgDurableWrite(std::make_shared<PgCommitProbe>(o.pg_conninfo)), settings,
                          rows);
  }
  if (rows.empty()) {
    std::fprintf(stderr,
                 "samp11_bench: --only %s names no row (GROUP/MODE/KEY/THREADS, e.g. "
                 "samp11-file/single-sad/ec-p256/2, or processes/1, processes/4, nodes/1, "
                 "nodes/2)\n",
                 o.only.c_str());
    return 1;
  }
  for (const RowResult& r : rows) {
    std::printf(
        "%s %s %s %d threads: %.1f sig/s, p50 %.1f us, p99 %.1f us, %.2f syncs and %.1f us in "
        "them per signature\n",
        r.group.c_str(), r.mode.c_str(), Spec(r.type).name, r.threads, r.sps, r.p50_us, r.p99_us,
        r.syncs_per_signature, r.sync_us_per_signature);
  }
  return 0;
}

}  // namespace

int RunAll(const RunOptions& o) {
  if (!o.only.empty()) return RunOnly(o, SettingsOf(o));
  const RunSettings settings = SettingsOf(o);
  Device device = LoadDevice(o.device_key, o.aud);
  nlohmann::json report = ReportHeader(o, settings);
  std::vector<RowResult> rows;

  // 1. The limit's parts: OpenSSL's raw sign, the SAD's verification, a durable write.
  std::fprintf(stderr, "== parts of the limit (OpenSSL, durable write)\n");
  AddOpensslRawRows(settings, rows);
  LimitParts parts = MeasureLimitParts(o, device);

  // 2. The SAM's own costs.
  nlohmann::json sam_costs = MeasureSamCosts(o, device);

  // 3. SoftHSMv2, the peer. It stays loaded and logged in until the end of the run.
  std::fprintf(stderr, "== SoftHSMv2\n");
  SoftHsmPeer peer(o);
  AddSoftHsmRows(peer, settings, rows);
  parts.SampleDurableWrite();

  // 4. samp11, file keystore and SoftHSM key backend, then the token in PostgreSQL; 5. the file
  // keystore through p11-kit remoting.
  Samp11Token samp11(o);
  const DurableWrite file_write = FileDurableWrite(o.keystore_dir);
  AddSamp11Rows(samp11, o, device, file_write, settings, rows);
  if (!o.pg_token.empty()) {
    Device pg_device = LoadDevice(o.device_key, o.pg_aud);
    AddSamp11PostgresRows(samp11, o, pg_device, PgDurableWrite(parts.pg), settings, rows);
  }
  if (!o.p11kit_client.empty()) AddP11KitRow(o, device, file_write, settings, rows);
  parts.SampleDurableWrite();

  // 6. Several processes on one keystore, several nodes on one database; 7. cold start, each in
  // a fresh process.
  nlohmann::json processes = MeasureProcesses(o, settings);
  nlohmann::json nodes = o.pg_token.empty() ? nlohmann::json() : MeasureNodes(o, settings);
  nlohmann::json cold = MeasureColdStarts(o);

  // 8. The table, the ratios and the limit per row; 9. the targets.
  report["parts"] = parts.ToJson();
  report["sam_costs"] = sam_costs;
  report["cold_start"] = cold;
  report["processes"] = processes;
  if (!nodes.is_null()) report["nodes"] = nodes;
  report["rows"] = PrintRowTable(rows, parts);
  report["limit"] = kLimitDefinition;
  PrintPartsAndCosts(parts, sam_costs, cold);
  TargetResults targets = CheckTargets(rows, parts, cold, processes, nodes);
  report["sam_overhead_us"] = targets.sam_overhead_us;
  report["targets"] = targets.targets;

  WriteReport(report, o.out);
  peer.Logout();
  return 0;
}

}  // namespace samp11::bench
