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

// One group of samp11 rows: a token's slot on the loaded module, its keys' backend code
// (key_specs.h), the device whose SADs it accepts, its durable write, and whether it has the
// deposit rows.
struct Group {
  std::string name;
  std::string code;
  CK_SLOT_ID slot;
  CK_SESSION_HANDLE admin;  // reads the public keys
  const Device* device;
  const DurableWrite* write;
  Sam* depositor = nullptr;  // deposit-ks rows: the SAM on the token's keystore; null: no deposits
};

// The rows of one key type in one group.
void AddKeyTypeRows(Module& module, const Group& g, KeyType type, const RunOptions& o,
                    const RunSettings& settings, std::vector<RowResult>& rows) {
  Bytes id = SamKeyId(g.code, 2, type);
  EvpPkeyPtr pub = module.PublicKey(g.admin, id);
  auto target = [&] { return TargetOf(module, g.slot, id, type); };
  for (int threads : {1, 2}) {
    if (!Selected(o, g.name, "single-sad", type, threads)) continue;
    Scal2Workload w(target(), Scal2Mode::kSingle, *g.device);
    rows.push_back(WithLimitInputs(
        RunRow(g.name, "single-sad", type, threads, w, pub.get(), settings, g.write), 1, 1));
  }
  for (int threads : {1, 2}) {
    if (!Selected(o, g.name, "batch-100", type, threads)) continue;
    Scal2Workload w(target(), Scal2Mode::kBatch, *g.device);
    RunSettings batch = settings;
    batch.min_per_thread = o.smoke ? 3 : 100;
    rows.push_back(WithLimitInputs(
        RunRow(g.name, "batch-100", type, threads, w, pub.get(), batch, g.write), 100, 100));
  }
  if (g.depositor != nullptr && Selected(o, g.name, "deposit", type, 1)) {
    Scal2Workload w(target(), Scal2Mode::kDeposit, *g.device);
    rows.push_back(
        WithLimitInputs(RunRow(g.name, "deposit", type, 1, w, pub.get(), settings, g.write), 1, 1));
  }
  if (g.depositor != nullptr && Selected(o, g.name, "deposit-ks", type, 1)) {
    Scal2Workload kw(target(), Scal2Mode::kKeystoreDeposit, *g.device, g.depositor);
    rows.push_back(WithLimitInputs(
        RunRow(g.name, "deposit-ks", type, 1, kw, pub.get(), settings, g.write), 1, 1));
  }
  if (IsScal1Type(type)) {
    Bytes id1 = SamKeyId(g.code, 1, type);
    EvpPkeyPtr pub1 = module.PublicKey(g.admin, id1);
    for (int threads : {1, 2}) {
      if (!Selected(o, g.name, "scal1", type, threads)) continue;
      Scal1Workload w(TargetOf(module, g.slot, id1, type), o.name_pin);
      rows.push_back(WithLimitInputs(
          RunRow(g.name, "scal1", type, threads, w, pub1.get(), settings, g.write), 0, 1));
    }
  }
}

void AddGroupRows(Module& module, const Group& g, const RunOptions& o, const RunSettings& settings,
                  std::vector<RowResult>& rows) {
  std::fprintf(stderr, "== %s\n", g.name.c_str());
  for (const KeySpec& k : kKeys) AddKeyTypeRows(module, g, k.type, o, settings, rows);
}

}  // namespace

Samp11Token::Samp11Token(const RunOptions& o)
    : deposit_keystore(OpenKeystoreWithoutBackend(o.conf, "open keystore")),
      depositor(*deposit_keystore.keystore, deposit_keystore.token.policy, DefaultClock()),
      module(o.module),
      slot(module.SlotOfToken(o.token)),
      admin(module.Open(slot)) {}

void AddSamp11Rows(Samp11Token& token, const RunOptions& o, const Device& device,
                   const DurableWrite& write, const RunSettings& settings,
                   std::vector<RowResult>& rows) {
  std::vector<std::pair<std::string, std::string>> backends = {{"samp11-file", "01"}};
  if (!o.skip_softhsm_backend) backends.push_back({"samp11-softhsm", "02"});
  for (const auto& [name, code] : backends) {
    Group g{name, code, token.slot, token.admin, &device, &write, &token.depositor};
    AddGroupRows(token.module, g, o, settings, rows);
  }
}

void AddSamp11PostgresRows(Samp11Token& token, const RunOptions& o, const Device& pg_device,
                           const DurableWrite& write, const RunSettings& settings,
                           std::vector<RowResult>& rows) {
  const CK_SLOT_ID slot = token.module.SlotOfToken(o.pg_token);
  Group g{"samp11-postgres", "03", slot, token.module.Open(slot), &pg_device, &write};
  AddGroupRows(token.module, g, o, settings, rows);
}

void AddP11KitRow(const RunOptions& o, const Device& device, const DurableWrite& write,
                  const RunSettings& settings, std::vector<RowResult>& rows) {
  std::fprintf(stderr, "== samp11 through p11-kit server + p11-kit-client.so\n");
  Module client(o.p11kit_client);
  CK_SLOT_ID slot = client.SlotOfToken(o.token);
  CK_SESSION_HANDLE s = client.Open(slot);
  Bytes id = SamKeyId("01", 2, KeyType::kEcP256);
  EvpPkeyPtr pub = client.PublicKey(s, id);
  Scal2Workload w(TargetOf(client, slot, id, KeyType::kEcP256), Scal2Mode::kSingle, device);
  rows.push_back(WithLimitInputs(
      RunRow("samp11-p11kit", "single-sad", KeyType::kEcP256, 1, w, pub.get(), settings, &write), 1,
      1));
}

}  // namespace samp11::bench
