#include "bench/samp11_rows.h"

#include <cstdio>
#include <string>
#include <utility>

#include "bench/key_specs.h"
#include "bench/samp11_workloads.h"
#include "common/clock.h"

namespace samp11::bench {
namespace {

// What the limit of a samp11 row assumes (docs/performance.md, "How the limit is computed").
RowResult WithLimitInputs(RowResult r, int sigs_per_sad, int sigs_per_durable_write) {
  r.sigs_per_sad = sigs_per_sad;
  r.sigs_per_durable_write = sigs_per_durable_write;
  return r;
}

// Whether the run includes this row: every row, or the one RunOptions::only names.
bool Selected(const RunOptions& o, const std::string& group, const std::string& mode, KeyType type,
              int threads) {
  return o.only.empty() ||
         o.only == group + "/" + mode + "/" + Spec(type).name + "/" + std::to_string(threads);
}

// The rows of one key type on one backend (code "01" file, "02" SoftHSM).
void AddKeyTypeRows(Samp11Token& token, const std::string& group, const std::string& code,
                    KeyType type, const RunOptions& o, const Device& device,
                    const RunSettings& settings, std::vector<RowResult>& rows) {
  Bytes id = SamKeyId(code, 2, type);
  EvpPkeyPtr pub = token.module.PublicKey(token.admin, id);
  auto target = [&] { return TargetOf(token.module, token.slot, id, type); };
  const std::string& dir = o.keystore_dir;
  for (int threads : {1, 2}) {
    if (!Selected(o, group, "single-sad", type, threads)) continue;
    Scal2Workload w(target(), Scal2Mode::kSingle, device);
    rows.push_back(WithLimitInputs(
        RunRow(group, "single-sad", type, threads, w, pub.get(), settings, dir), 1, 1));
  }
  for (int threads : {1, 2}) {
    if (!Selected(o, group, "batch-100", type, threads)) continue;
    Scal2Workload w(target(), Scal2Mode::kBatch, device);
    RunSettings batch = settings;
    batch.min_per_thread = o.smoke ? 3 : 100;
    rows.push_back(WithLimitInputs(
        RunRow(group, "batch-100", type, threads, w, pub.get(), batch, dir), 100, 100));
  }
  if (Selected(o, group, "deposit", type, 1)) {
    Scal2Workload w(target(), Scal2Mode::kDeposit, device);
    rows.push_back(
        WithLimitInputs(RunRow(group, "deposit", type, 1, w, pub.get(), settings, dir), 1, 1));
  }
  if (Selected(o, group, "deposit-ks", type, 1)) {
    Scal2Workload kw(target(), Scal2Mode::kKeystoreDeposit, device, &token.depositor);
    rows.push_back(
        WithLimitInputs(RunRow(group, "deposit-ks", type, 1, kw, pub.get(), settings, dir), 1, 1));
  }
  if (IsScal1Type(type)) {
    Bytes id1 = SamKeyId(code, 1, type);
    EvpPkeyPtr pub1 = token.module.PublicKey(token.admin, id1);
    for (int threads : {1, 2}) {
      if (!Selected(o, group, "scal1", type, threads)) continue;
      Scal1Workload w(TargetOf(token.module, token.slot, id1, type), o.name_pin);
      rows.push_back(WithLimitInputs(
          RunRow(group, "scal1", type, threads, w, pub1.get(), settings, dir), 0, 1));
    }
  }
}

}  // namespace

Samp11Token::Samp11Token(const RunOptions& o)
    : deposit_keystore(OpenKeystoreWithoutBackend(o.conf, "open keystore")),
      depositor(*deposit_keystore.keystore, deposit_keystore.token.policy, DefaultClock()),
      module(o.module),
      slot(module.SlotOfToken(o.token)),
      admin(module.Open(slot)) {}

void AddSamp11Rows(Samp11Token& token, const RunOptions& o, const Device& device,
                   const RunSettings& settings, std::vector<RowResult>& rows) {
  std::vector<std::pair<std::string, std::string>> backends = {{"samp11-file", "01"}};
  if (!o.skip_softhsm_backend) backends.push_back({"samp11-softhsm", "02"});
  for (const auto& [group, code] : backends) {
    std::fprintf(stderr, "== %s\n", group.c_str());
    for (const KeySpec& k : kKeys) {
      AddKeyTypeRows(token, group, code, k.type, o, device, settings, rows);
    }
  }
}

void AddP11KitRow(const RunOptions& o, const Device& device, const RunSettings& settings,
                  std::vector<RowResult>& rows) {
  std::fprintf(stderr, "== samp11 through p11-kit server + p11-kit-client.so\n");
  Module client(o.p11kit_client);
  CK_SLOT_ID slot = client.SlotOfToken(o.token);
  CK_SESSION_HANDLE s = client.Open(slot);
  Bytes id = SamKeyId("01", 2, KeyType::kEcP256);
  EvpPkeyPtr pub = client.PublicKey(s, id);
  Scal2Workload w(TargetOf(client, slot, id, KeyType::kEcP256), Scal2Mode::kSingle, device);
  rows.push_back(WithLimitInputs(RunRow("samp11-p11kit", "single-sad", KeyType::kEcP256, 1, w,
                                        pub.get(), settings, o.keystore_dir),
                                 1, 1));
}

}  // namespace samp11::bench
