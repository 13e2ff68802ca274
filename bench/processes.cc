#include "bench/processes.h"

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "bench/documents.h"
#include "bench/p11.h"
#include "bench/p11_target.h"
#include "bench/stats.h"

namespace samp11::bench {

int RunScal1Process(const ProcessOptions& o) {
  const KeyType type = KeyType::kEcP256;
  std::optional<Bytes> id = HexDecode(o.key_id);
  if (!id) throw BenchError("--key-id is not hex: " + o.key_id);
  Module m(o.module);
  P11Target target = TargetOf(m, m.SlotOfToken(o.token), *id, type);
  target.Sessions(1);
  EvpPkeyPtr pub = m.PublicKey(target.sessions[0], *id);
  target.Login(0, CKU_USER, o.name_pin, "C_Login(CKU_USER, NAME:PIN)");
  // SCAL1 binds no document: a pool of documents, reused, is as good as distinct ones.
  Docs d;
  d.Make(type, 1, 256);
  const std::vector<Doc>& docs = d.docs[0];
  target.SignInit(0);
  VerifyOrThrow(pub.get(), type, docs[0], target.SignFinal(0, docs[0]), "scal1-process");

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
  int64_t n = 0;
  auto t0 = SteadyClock::now();
  while (SteadyClock::now() < deadline) {
    target.SignInit(0);
    target.SignFinal(0, docs[n % docs.size()]);
    ++n;
  }
  double seconds = Micros(SteadyClock::now() - t0) / 1e6;
  Check(target.f()->C_Logout(target.sessions[0]), "C_Logout");
  nlohmann::json out = {
      {"signatures", n}, {"seconds", seconds}, {"late_ms", late_ms > 0 ? late_ms : 0.0}};
  std::cout << out.dump() << std::endl;
  return 0;
}

}  // namespace samp11::bench
