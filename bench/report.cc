#include "bench/report.h"

#include <cstdio>
#include <ctime>
#include <fstream>

#include "bench/key_specs.h"
#include "bench/limit.h"
#include "bench/p11.h"
#include "common/time_text.h"

namespace samp11::bench {

using nlohmann::json;

const char* const kLimitDefinition =
    "limit = threads * 1 / (OpenSSL sign (1 thread) + SAD verify / signatures per SAD + "
    "durable write / signatures per durable write); signatures per durable write: 1 for "
    "single-SAD, deposit and SCAL1 rows, 100 for batch rows (the issue's definition); durable "
    "write: 100 bytes appended + fdatasync in the keystore's folder, or for samp11-postgres rows "
    "a synchronous commit of a spent-hash INSERT on the token's server (parts.postgres_commit)";

json ReportHeader(const RunOptions& o, const RunSettings& settings) {
  json report;
  report["date"] = UtcText(static_cast<int64_t>(std::time(nullptr)));
  report["machine"] = o.machine;
  report["smoke"] = o.smoke;
  report["settings"] = {{"repeats", settings.reps},
                        {"seconds_per_repeat", settings.seconds_per_rep},
                        {"mechanisms",
                         "CKM_ECDSA on a 32-byte SHA-256 hash, CKM_RSA_PKCS on its DigestInfo, "
                         "CKM_EDDSA on a 32-byte message (SAD binds its SHA-256)"}};
  return report;
}

namespace {

std::string Ratio(double v) {
  char buf[16];
  if (v <= 0) return std::string("-");
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return std::string(buf);
}

// SoftHSM's mode a samp11 row is compared with: a context login per signature for single-SAD
// and deposit rows, plain for batch and SCAL1 rows.
const char* PeerModeOf(const std::string& mode) {
  return (mode == "single-sad" || mode.rfind("deposit", 0) == 0) ? "context-login" : "plain";
}

}  // namespace

json PrintRowTable(const std::vector<RowResult>& rows, const LimitParts& parts) {
  json jrows = json::array();
  std::printf("\n%-15s %-13s %-9s %2s %10s %9s %9s %7s %7s %7s %7s\n", "group", "mode", "key", "th",
              "sig/s", "p50 us", "p99 us", "/limit", "/ossl", "/shsm", "syncs");
  for (const RowResult& r : rows) {
    json j = {{"group", r.group},
              {"mode", r.mode},
              {"key", Spec(r.type).name},
              {"threads", r.threads},
              {"sig_per_s", r.sps},
              {"p50_us", r.p50_us},
              {"p99_us", r.p99_us},
              {"signatures", r.signatures},
              {"verified_signatures", r.verified}};
    double vs_limit = 0, vs_ossl = 0, vs_shsm = 0;
    if (r.group.rfind("samp11", 0) == 0) {
      double limit = LimitOf(r, rows, parts);
      const RowResult* ossl = FindRow(rows, "openssl", "raw", r.type, r.threads);
      const char* peer_mode = PeerModeOf(r.mode);
      const RowResult* peer = FindRow(rows, "softhsm", peer_mode, r.type, r.threads);
      vs_limit = limit > 0 ? r.sps / limit : 0;
      vs_ossl = ossl ? r.sps / ossl->sps : 0;
      vs_shsm = peer ? r.sps / peer->sps : 0;
      j["signatures_per_sad"] = r.sigs_per_sad;
      j["signatures_per_durable_write"] = r.sigs_per_durable_write;
      j["measured_syncs_per_signature"] = r.syncs_per_signature;
      j["measured_sync_us_per_signature"] = r.sync_us_per_signature;
      if (r.threads == 1) j["p50_minus_own_sync_us"] = r.p50_minus_sync_us;
      j["limit_sig_per_s"] = limit;
      j["durable_write_us"] = r.durable_write_us;
      j["durable_write"] = r.durable_write;
      j["ratio_limit"] = vs_limit;
      j["ratio_openssl"] = vs_ossl;
      j["softhsm_mode_compared"] = peer_mode;
      j["ratio_softhsm"] = vs_shsm;
    }
    jrows.push_back(j);
    std::printf("%-15s %-13s %-9s %2d %10.1f %9.1f %9.1f %7s %7s %7s %7.2f\n", r.group.c_str(),
                r.mode.c_str(), Spec(r.type).name, r.threads, r.sps, r.p50_us, r.p99_us,
                Ratio(vs_limit).c_str(), Ratio(vs_ossl).c_str(), Ratio(vs_shsm).c_str(),
                r.syncs_per_signature);
  }
  return jrows;
}

void PrintPartsAndCosts(const LimitParts& parts, const json& sam_costs, const json& cold) {
  std::printf("\nparts: SAD verify (%s) %.1f us, durable write %.1f us\n", parts.sad_alg.c_str(),
              parts.sad_verify_us, parts.DurableWriteUs());
  if (parts.pg) {
    std::printf(
        "  PostgreSQL commit (a spent-hash-shaped INSERT, own transaction, synchronous, "
        "127.0.0.1): %.1f us median (samples:",
        parts.PgCommitUs());
    for (size_t i = 0; i < parts.pg_commit_samples_us.size(); ++i) {
      std::printf(" %.1f (mean %.1f)", parts.pg_commit_samples_us[i],
                  parts.pg_commit_mean_samples_us[i]);
    }
    std::printf(")\n");
  }
  std::printf(
      "SAM costs: SAD parse %.1f us, parse+verify %.1f us, spend + record synced %.1f us (with "
      "the rollback guard %.1f us), SCAL1 record %.1f us\n",
      sam_costs["sad_parse_us"].get<double>(), sam_costs["sad_parse_verify_us"].get<double>(),
      sam_costs["spend_hash_us"].get<double>(),
      sam_costs["spend_hash_rollback_guard_us"].get<double>(),
      sam_costs["audit_append_us"].get<double>());
  std::printf("  a checkpoint after 100 spends (fold, count, sign, synced append): %.1f us\n",
              sam_costs["checkpoint_after_100_spends_us"].get<double>());
  if (sam_costs.contains("spend_hash_rollback_guard_pkcs11_us")) {
    std::printf(
        "  spend + record synced with the rollback anchor in the inner SoftHSM token: %.1f us\n",
        sam_costs["spend_hash_rollback_guard_pkcs11_us"].get<double>());
  }
  for (const json& c : cold) {
    std::printf(
        "cold start, %lld keys: C_Initialize %.1f ms, to first signature %.1f ms, VmHWM "
        "%.1f MiB, C_FindObjects by CKA_ID %.1f us (random ids; the same id again: %.1f us)\n",
        static_cast<long long>(c["keys"].get<int64_t>()), c["init_us"].get<double>() / 1e3,
        c["init_to_first_signature_us"].get<double>() / 1e3, c["vm_hwm_kib"].get<double>() / 1024.0,
        c["find_by_id_median_us"].get<double>(), c["find_same_id_median_us"].get<double>());
  }
}

void WriteReport(const json& report, const std::string& path) {
  if (path.empty()) return;
  std::ofstream out(path);
  out << report.dump(2) << "\n";
  if (!out) throw BenchError("cannot write " + path);
  std::printf("\nwrote %s\n", path.c_str());
}

}  // namespace samp11::bench
