#include "bench/sam_costs.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bench/documents.h"
#include "bench/key_specs.h"
#include "bench/keystore_without_backend.h"
#include "bench/must.h"
#include "bench/stats.h"
#include "common/clock.h"
#include "hsm/inner_token.h"
#include "keystore/audit_checkpoint.h"
#include "keystore/checkpoint_sink.h"
#include "keystore/rollback_anchor.h"
#include "sad/sad.h"
#include "sam/sam.h"
#include "token/inner_token_anchor.h"

namespace samp11::bench {
namespace {

nlohmann::json SamCosts(const std::string& conf, const std::string& dir, const Device& device,
                        const Bytes& key_id, int n) {
  KeystoreWithoutBackend k = OpenKeystoreWithoutBackend(conf, "OpenTokenKeystore");
  Keystore* ks = k.keystore.get();
  Sam sam(*ks, k.token.policy, DefaultClock());
  std::vector<std::string> sads;
  for (int i = 0; i < n; ++i) sads.push_back(device.Issue(key_id, {Random(32)}));
  double verify =
      MedianMicros(n, 2.0, [&](int i) { Must(sam.VerifySad(sads[i]), "Sam::VerifySad"); });
  double parse = MedianMicros(n, 1.0, [&](int i) { Must(ParseSad(sads[i]), "ParseSad"); });
  // What a signature writes, as Sam::Sign writes it: a one-hash SAD's spend with its record,
  // synced (the signature journal's append and fdatasync), and a SCAL1 signature's record alone,
  // not synced at once.
  AuditEvent event;
  event.event = audit_event::kSign;
  event.signer = device.signer;
  event.key_id = key_id;
  event.kid = device.kid;
  event.detail = "samp11_bench: signature record cost";
  auto spend_one = [&](int) {
    SpentHashRow row;
    row.kid = device.kid;
    row.jti = Base64UrlEncode(Random(12));
    row.hash = Random(32);
    row.key_id = key_id;
    row.sad_exp = static_cast<int64_t>(std::time(nullptr)) + 300;
    AuditEvent signed_event = event;
    signed_event.jti = row.jti;
    bool won =
        Must(ks->audit().RecordSignature(row, signed_event, "lost", AuditLog::Durability::kSynced),
             "AuditLog::RecordSignature (spend, synced)");
    if (!won) throw BenchError("the spend of a fresh hash lost");
  };
  double spend = MedianMicros(n, 3.0, spend_one);
  double audit = MedianMicros(n, 3.0, [&](int) {
    Must(ks->audit().RecordSignature(std::nullopt, event, "no spend", AuditLog::Durability::kLazy),
         "AuditLog::RecordSignature (no spend, lazy)");
  });
  // One checkpoint (keystore/audit_checkpointer.h) after 100 spends, as the module's thread makes
  // it with every_records 100: the journal's fold of those records, the ledger's count, the
  // Ed25519 signature and the synced append to a checkpoint file. Its cost per signature is this
  // over every_records (the signing thread itself only notes its record).
  std::unique_ptr<CheckpointSink> sink = MakeCheckpointFileSink(dir + "/sam-costs.checkpoints");
  std::vector<double> checkpoints;
  for (int i = 0; i < std::max(3, n / 20); ++i) {
    for (int s = 0; s < 100; ++s) spend_one(s);
    const auto start = std::chrono::steady_clock::now();
    AuditCheckpoint checkpoint = Must(ks->MakeCheckpoint(), "Keystore::MakeCheckpoint");
    Must(sink->Write(CheckpointLine(checkpoint)), "checkpoint file");
    checkpoints.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
            .count());
  }
  // The same spend with the rollback guard (keystore/rollback_guard.h) on, its anchor file in the
  // keystore's folder: the anchor's check and advance, one more fdatasync.
  Must(ks->GuardRollback(MakeRollbackAnchorFile(dir + "/sam-costs.anchor", ks->identity())),
       "Keystore::GuardRollback");
  double guarded = MedianMicros(n, 3.0, spend_one);
  nlohmann::json costs = {{"sad_parse_us", parse},
                          {"sad_parse_verify_us", verify},
                          {"spend_hash_us", spend},
                          {"spend_hash_rollback_guard_us", guarded},
                          {"checkpoint_after_100_spends_us", Median(checkpoints)},
                          {"audit_append_us", audit}};
  // And with the anchor in the run's inner SoftHSM token (the samp11-softhsm rows' backend): a new
  // data object and the old one's destruction per synced write.
  // (k.token has its backend removed; the configuration still names it.)
  const TokenConfig configured = Must(LoadConfig(conf), "LoadConfig " + conf).tokens.at(0);
  if (configured.pkcs11_backend) {
    std::shared_ptr<InnerToken> inner =
        Must(InnerToken::Create(*configured.pkcs11_backend), "InnerToken::Create");
    Must(ks->GuardRollback(MakeInnerTokenAnchor(inner, ks->identity())),
         "Keystore::GuardRollback (inner token)");
    costs["spend_hash_rollback_guard_pkcs11_us"] = MedianMicros(n, 3.0, spend_one);
  }
  return costs;
}

}  // namespace

nlohmann::json MeasureSamCosts(const RunOptions& o, const Device& device) {
  std::fprintf(stderr, "== SAM costs, isolated\n");
  nlohmann::json costs = SamCosts(o.conf, o.keystore_dir, device,
                                  SamKeyId("01", 2, KeyType::kEcP256), o.smoke ? 5 : 300);
  std::fprintf(stderr, "  %s\n", costs.dump().c_str());
  return costs;
}

}  // namespace samp11::bench
