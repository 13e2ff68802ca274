// samp11_bench: signatures per second and latency through the PKCS#11 API, side by side with
// the physical limit's parts (OpenSSL sign, SAD verify, one durable write), SoftHSMv2, and
// samp11 behind p11-kit remoting. docs/performance.md explains every row; bench/run.sh sets up
// the tokens and runs it.
//
//   samp11_bench run ...        the whole set (bench/run.sh passes the options; run_all.h)
//   samp11_bench bulk-keys ...  adds many Ed25519 keys to a keystore (the cold-start keystore)
//   samp11_bench coldstart ...  one process: C_Initialize -> first signature, RSS, C_FindObjects
//   samp11_bench scal1-process ...  one of several processes signing over a common window
//   samp11_bench node-process ...   one signing node of a token in PostgreSQL, the same way
//
// The program also counts every fsync and fdatasync of the process (sync_counter.h).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <stdexcept>

#include "bench/bulk_keys.h"
#include "bench/coldstart.h"
#include "bench/node_process.h"
#include "bench/processes.h"
#include "bench/run_all.h"
#include "bench/run_options.h"

int main(int argc, char** argv) {
  using namespace samp11::bench;
  CLI::App app{"samp11_bench: samp11 throughput and latency through PKCS#11 (docs/performance.md)"};
  app.require_subcommand(1);

  RunOptions run;
  CLI::App* run_cmd = app.add_subcommand("run", "the whole set (bench/run.sh sets it up)");
  run_cmd->add_option("--module", run.module, "libsamp11.so")->required();
  run_cmd->add_option("--token", run.token, "samp11 token label")->capture_default_str();
  run_cmd->add_option("--conf", run.conf, "the token's SAMP11_CONF")->required();
  run_cmd->add_option("--device-key", run.device_key, "alice's device key (PEM)")->required();
  run_cmd->add_option("--aud", run.aud, "the token identity")->required();
  run_cmd->add_option("--scal1-login", run.name_pin, "NAME:PIN for SCAL1 keys")->required();
  run_cmd->add_option("--softhsm", run.softhsm, "SoftHSMv2 module")->capture_default_str();
  run_cmd->add_option("--softhsm-token", run.softhsm_token, "peer token label")
      ->capture_default_str();
  run_cmd->add_option("--softhsm-pin", run.softhsm_pin, "peer token user PIN")->required();
  run_cmd->add_option("--p11kit-client", run.p11kit_client,
                      "p11-kit-client.so (P11_KIT_SERVER_ADDRESS set); empty: no remote row");
  run_cmd->add_option("--keystore-dir", run.keystore_dir, "where durable writes are timed")
      ->required();
  run_cmd->add_option("--coldstart", run.coldstart, "TOKEN:CONF:KEYS (repeatable)");
  run_cmd->add_option("--out", run.out, "JSON results file");
  run_cmd->add_option("--machine", run.machine, "free text: nproc, CPU, file system");
  run_cmd->add_flag("--smoke", run.smoke, "a few signatures per row, one repeat");
  run_cmd->add_option("--only", run.only,
                      "only GROUP/MODE/KEY/THREADS (a samp11 row) or 'processes', for a profiler");
  run_cmd->add_option("--only-seconds", run.only_seconds, "with --only: seconds per repeat")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 600.0));
  run_cmd->add_flag("--skip-softhsm-backend", run.skip_softhsm_backend,
                    "no samp11 rows with keys in SoftHSM");
  run_cmd->add_option("--pg-token", run.pg_token,
                      "the token in PostgreSQL (in the module's SAMP11_CONF); empty: no "
                      "samp11-postgres rows");
  run_cmd->add_option("--pg-aud", run.pg_aud, "its identity");
  run_cmd->add_option("--pg-conninfo", run.pg_conninfo,
                      "its server (the limit's commit is timed there)");
  run_cmd->add_option("--pg-node-conf", run.pg_node_confs,
                      "the configuration of a node process (repeat: node 1, node 2)");

  std::string bulk_conf, bulk_signer = "alice", bulk_prefix = "b0";
  int64_t bulk_count = 0;
  CLI::App* bulk_cmd = app.add_subcommand("bulk-keys", "add Ed25519 SCAL2 keys in bulk");
  bulk_cmd->add_option("--conf", bulk_conf, "SAMP11_CONF of the token")->required();
  bulk_cmd->add_option("--signer", bulk_signer, "owner")->capture_default_str();
  bulk_cmd->add_option("--count", bulk_count, "how many")->required();
  bulk_cmd->add_option("--prefix", bulk_prefix, "CKA_ID prefix (hex)")->capture_default_str();

  ColdStartOptions cold;
  CLI::App* cold_cmd = app.add_subcommand("coldstart", "one cold start (a fresh process)");
  cold_cmd->add_option("--module", cold.module, "libsamp11.so")->required();
  cold_cmd->add_option("--token", cold.token, "token label")->required();
  cold_cmd->add_option("--key-id", cold.key_id, "EC P-256 SCAL2 key id (hex)")->required();
  cold_cmd->add_option("--device-key", cold.device_key, "device key (PEM)")->required();
  cold_cmd->add_option("--aud", cold.aud, "token identity")->required();
  cold_cmd->add_option("--find-prefix", cold.find_prefix, "bulk id prefix (hex)")->required();
  cold_cmd->add_option("--find-count", cold.find_count, "bulk keys");
  cold_cmd->add_option("--find-reps", cold.find_reps, "C_FindObjects samples");

  ProcessOptions proc;
  CLI::App* proc_cmd =
      app.add_subcommand("scal1-process",
                         "one process signing with a SCAL1 key over a common window (NAME:PIN in "
                         "SAMP11_BENCH_LOGIN)");
  proc_cmd->add_option("--module", proc.module, "libsamp11.so")->required();
  proc_cmd->add_option("--token", proc.token, "token label")->required();
  proc_cmd->add_option("--key-id", proc.key_id, "EC P-256 SCAL1 key id (hex)")->required();
  proc_cmd->add_option("--start-at-ms", proc.start_at_ms, "window start, ms since the epoch")
      ->required();
  proc_cmd->add_option("--seconds", proc.seconds, "window length")->required();

  NodeProcessOptions node;
  CLI::App* node_cmd = app.add_subcommand(
      "node-process", "one signing node (SAMP11_CONF) with single SADs over a common window");
  node_cmd->add_option("--module", node.module, "libsamp11.so")->required();
  node_cmd->add_option("--token", node.token, "token label")->required();
  node_cmd->add_option("--key-id", node.key_id, "SCAL2 key id (hex)")->required();
  node_cmd->add_option("--key-type", node.key_type, "its type (rsa-2048, ...)")->required();
  node_cmd->add_option("--device-key", node.device_key, "device key (PEM)")->required();
  node_cmd->add_option("--aud", node.aud, "token identity")->required();
  node_cmd->add_option("--start-at-ms", node.start_at_ms, "window start, ms since the epoch")
      ->required();
  node_cmd->add_option("--seconds", node.seconds, "window length")->required();
  node_cmd->add_option("--sads", node.sads, "SADs issued before the window")->required();

  CLI11_PARSE(app, argc, argv);
  try {
    if (*run_cmd) return RunAll(run);
    if (*bulk_cmd) return RunBulkKeys(bulk_conf, bulk_signer, bulk_count, bulk_prefix);
    if (*cold_cmd) return RunColdStart(cold);
    if (*node_cmd) return RunNodeProcess(node);
    if (*proc_cmd) {
      const char* login = std::getenv("SAMP11_BENCH_LOGIN");
      if (login == nullptr) throw std::runtime_error("SAMP11_BENCH_LOGIN (NAME:PIN) is not set");
      proc.name_pin = login;
      return RunScal1Process(proc);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "samp11_bench: ERROR: %s\n", e.what());
    return 1;
  }
  return 2;
}
