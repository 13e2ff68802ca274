#include "bench/bulk_keys.h"

#include <algorithm>
#include <cstdio>
#include <memory>

#include "bench/must.h"
#include "bench/stats.h"
#include "config/config.h"
#include "keystore/keystore.h"
#include "token/open_keystore.h"

namespace samp11::bench {

int RunBulkKeys(const std::string& conf, const std::string& signer, int64_t count,
                const std::string& prefix) {
  ModuleConfig config = Must(LoadConfig(conf), "LoadConfig " + conf);
  std::unique_ptr<Keystore> ks = Must(OpenTokenKeystore(config.tokens.at(0)), "open keystore");
  const int64_t chunk = 50000;  // one transaction each
  auto t0 = SteadyClock::now();
  for (int64_t first = 0; first < count; first += chunk) {
    int64_t n = std::min(chunk, count - first);
    Must(ks->keys().BulkAddFileKeysForBenchmark(signer, KeyType::kEd25519, *HexDecode(prefix),
                                                first, n),
         "BulkAddFileKeysForBenchmark");
    std::fprintf(stderr, "  bulk keys: %lld / %lld (%.1f s)\n", static_cast<long long>(first + n),
                 static_cast<long long>(count), Micros(SteadyClock::now() - t0) / 1e6);
  }
  return 0;
}

}  // namespace samp11::bench
