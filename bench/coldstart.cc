#include "bench/coldstart.h"

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <vector>

#include "bench/device.h"
#include "bench/documents.h"
#include "bench/p11.h"
#include "bench/p11_target.h"
#include "bench/stats.h"

namespace samp11::bench {
namespace {

int64_t VmHwmKib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

}  // namespace

int RunColdStart(const ColdStartOptions& o) {
  Device device = LoadDevice(o.device_key, o.aud);
  Bytes id = *HexDecode(o.key_id);
  Doc doc = MakeDoc(KeyType::kEcP256);
  std::string sad = device.Issue(id, {doc.hash});
  auto t0 = SteadyClock::now();
  Module m(o.module);
  double init_us = Micros(SteadyClock::now() - t0);
  P11Target target = TargetOf(m, m.SlotOfToken(o.token), id, KeyType::kEcP256);
  target.Sessions(1);
  target.SignInit(0);
  target.Login(0, CKU_CONTEXT_SPECIFIC, sad, "C_Login(CKU_CONTEXT_SPECIFIC, SAD)");
  Bytes sig = target.SignFinal(0, doc);
  double first_us = Micros(SteadyClock::now() - t0);
  EvpPkeyPtr pub = m.PublicKey(target.sessions[0], id);
  VerifyOrThrow(pub.get(), KeyType::kEcP256, doc, sig, "coldstart");
  int64_t hwm = VmHwmKib();
  std::vector<double> finds;
  Bytes prefix = *HexDecode(o.find_prefix);
  for (int i = 0; i < o.find_reps && o.find_count > 0; ++i) {
    Bytes fid = prefix;
    uint64_t n = 0;
    Bytes r = Random(8);
    for (uint8_t b : r) n = (n << 8) | b;
    n %= static_cast<uint64_t>(o.find_count);
    for (int shift = 56; shift >= 0; shift -= 8) fid.push_back(static_cast<uint8_t>(n >> shift));
    auto a = SteadyClock::now();
    m.FindKey(target.sessions[0], CKO_PRIVATE_KEY, fid);
    finds.push_back(Micros(SteadyClock::now() - a));
  }
  // The same id again and again: SQLite's pages are then in its cache (the random ids above are
  // mostly not), which tells page reads from the module's own work.
  std::vector<double> warm;
  for (int i = 0; i < o.find_reps; ++i) {
    auto a = SteadyClock::now();
    m.FindKey(target.sessions[0], CKO_PRIVATE_KEY, id);
    warm.push_back(Micros(SteadyClock::now() - a));
  }
  nlohmann::json out = {{"init_us", init_us},
                        {"find_same_id_median_us", Median(warm)},
                        {"init_to_first_signature_us", first_us},
                        {"vm_hwm_kib", hwm},
                        {"find_by_id_median_us", Median(finds)},
                        {"find_by_id_p99_us", Percentile(finds, 0.99)}};
  std::cout << out.dump() << std::endl;
  return 0;
}

}  // namespace samp11::bench
