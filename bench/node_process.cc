#include "bench/node_process.h"

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "bench/device.h"
#include "bench/documents.h"
#include "bench/key_specs.h"
#include "bench/p11.h"
#include "bench/p11_target.h"
#include "bench/stats.h"

namespace samp11::bench {
namespace {

KeyType TypeNamed(const std::string& name) {
  for (const KeySpec& k : kKeys) {
    if (name == k.name) return k.type;
  }
  throw BenchError("no key type " + name);
}

}  // namespace

int RunNodeProcess(const NodeProcessOptions& o) {
  const KeyType type = TypeNamed(o.key_type);
  std::optional<Bytes> id = HexDecode(o.key_id);
  if (!id) throw BenchError("--key-id is not hex: " + o.key_id);
  if (o.sads < 2) throw BenchError("--sads: at least 2 (one is signed before the window)");
  // Every document distinct, every SAD fresh (docs/performance.md, "What is measured").
  Device device = LoadDevice(o.device_key, o.aud);
  Docs d;
  d.Make(type, 1, o.sads);
  const std::vector<Doc>& docs = d.docs[0];
  std::vector<std::string> sads;
  sads.reserve(docs.size());
  for (const Doc& doc : docs) sads.push_back(device.Issue(*id, {doc.hash}));

  Module m(o.module);
  P11Target target = TargetOf(m, m.SlotOfToken(o.token), *id, type);
  target.Sessions(1);
  EvpPkeyPtr pub = m.PublicKey(target.sessions[0], *id);
  auto sign = [&](size_t i) {
    target.SignInit(0);
    target.Login(0, CKU_CONTEXT_SPECIFIC, sads[i], "C_Login(CKU_CONTEXT_SPECIFIC, SAD)");
    return target.SignFinal(0, docs[i]);
  };
  VerifyOrThrow(pub.get(), type, docs[0], sign(0), "node-process");

  using SystemClock = std::chrono::system_clock;
  const SystemClock::time_point start_at{std::chrono::milliseconds(o.start_at_ms)};
  const SystemClock::time_point end_at =
      start_at +
      std::chrono::duration_cast<SystemClock::duration>(std::chrono::duration<double>(o.seconds));
  const double late_ms =
      std::chrono::duration<double, std::milli>(SystemClock::now() - start_at).count();
  std::this_thread::sleep_until(start_at);
  // The window is the common one: a process that starts late signs over less of it, so the
  // parent's sum stays the rate of that window.
  const auto deadline = SteadyClock::now() + (end_at - SystemClock::now());
  size_t next = 1;
  auto t0 = SteadyClock::now();
  while (SteadyClock::now() < deadline) {
    if (next == sads.size()) {
      throw BenchError("node-process: all " + std::to_string(sads.size()) +
                       " SADs were signed before the window ended: raise --sads");
    }
    sign(next++);
  }
  double seconds = Micros(SteadyClock::now() - t0) / 1e6;
  nlohmann::json out = {{"signatures", next - 1},
                        {"seconds", seconds},
                        {"late_ms", late_ms > 0 ? late_ms : 0.0},
                        {"sads", sads.size()}};
  std::cout << out.dump() << std::endl;
  return 0;
}

}  // namespace samp11::bench
