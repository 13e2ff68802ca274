#include "bench/sam_costs.h"

#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "bench/documents.h"
#include "bench/key_specs.h"
#include "bench/keystore_without_backend.h"
#include "bench/must.h"
#include "bench/stats.h"
#include "common/clock.h"
#include "sad/sad.h"
#include "sam/sam.h"

namespace samp11::bench {
namespace {

nlohmann::json SamCosts(const std::string& conf, const Device& device, const Bytes& key_id, int n) {
  KeystoreWithoutBackend k = OpenKeystoreWithoutBackend(conf, "OpenTokenKeystore");
  Keystore* ks = k.keystore.get();
  Sam sam(*ks, k.token.policy, DefaultClock());
  std::vector<std::string> sads;
  for (int i = 0; i < n; ++i) sads.push_back(device.Issue(key_id, {Random(32)}));
  double verify =
      MedianMicros(n, 2.0, [&](int i) { Must(sam.VerifySad(sads[i]), "Sam::VerifySad"); });
  double parse = MedianMicros(n, 1.0, [&](int i) { Must(ParseSad(sads[i]), "ParseSad"); });
  double spend = MedianMicros(n, 3.0, [&](int) {
    bool won = Must(ks->replay().SpendHash(device.kid, Base64UrlEncode(Random(12)), Random(32),
                                           key_id, static_cast<int64_t>(std::time(nullptr)) + 300),
                    "ReplayLedger::SpendHash");
    if (!won) throw BenchError("SpendHash of a fresh hash lost");
  });
  double audit = MedianMicros(n, 3.0, [&](int) {
    AuditEvent e;
    e.event = audit_event::kSign;
    e.signer = device.signer;
    e.key_id = key_id;
    e.kid = device.kid;
    e.jti = "bench";
    e.detail = "samp11_bench: audit append cost";
    Must(ks->audit().Record(e, Status::Ok()), "AuditLog::Record");
  });
  return {{"sad_parse_us", parse},
          {"sad_parse_verify_us", verify},
          {"spend_hash_us", spend},
          {"audit_append_us", audit}};
}

}  // namespace

nlohmann::json MeasureSamCosts(const RunOptions& o, const Device& device) {
  std::fprintf(stderr, "== SAM costs, isolated\n");
  nlohmann::json costs =
      SamCosts(o.conf, device, SamKeyId("01", 2, KeyType::kEcP256), o.smoke ? 5 : 300);
  std::fprintf(stderr, "  %s\n", costs.dump().c_str());
  return costs;
}

}  // namespace samp11::bench
