// samp11 metrics: the token's counters and signature times, read from its audit log (so every
// process's work counts), in the Prometheus text exposition format. For node_exporter's textfile
// collector: `samp11 metrics --out /var/lib/prometheus/node-exporter/samp11.prom` from a timer
// (the file is replaced whole, never seen half written).
#include <iostream>

#include "keystore/audit_metrics.h"
#include "tools/samp11/commands.h"

namespace samp11::cli {
namespace {

struct MetricsOptions {
  std::string out;
};

Status RunMetrics(const GlobalOptions& global, const MetricsOptions& o) {
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> ks, OpenKeystore(global));
  SAMP11_ASSIGN_OR_RETURN(AuditMetrics metrics, ReadAuditMetrics(ks->audit()));
  SAMP11_ASSIGN_OR_RETURN(std::vector<SadRequestRow> pending, ks->requests().ListPending(Now()));
  const std::string text =
      metrics.PrometheusText(ks->label(), static_cast<int64_t>(pending.size()));
  if (o.out.empty() || o.out == "-") {
    std::cout << text << std::flush;
    return Status::Ok();
  }
  return WriteFileAtomic(o.out, text);
}

}  // namespace

void AddMetricsCommand(CLI::App& app, const GlobalOptions& global, int* exit_code) {
  auto o = std::make_shared<MetricsOptions>();
  CLI::App* metrics = app.add_subcommand(
      "metrics",
      "counts of signatures and refusals (by reason, key and signer), pending activation requests "
      "and signature times, from the audit log, in Prometheus text format");
  metrics->add_option("--out", o->out,
                      "write to this file, replaced whole (for node_exporter's textfile "
                      "collector: a name ending in .prom); default: standard output");
  metrics->callback([&global, o, exit_code] {
    Status s = RunMetrics(global, *o);
    *exit_code = s.ok() ? 0 : Fail(s);
  });
}

}  // namespace samp11::cli
