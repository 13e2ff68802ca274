// `samp11_bench bulk-keys`: many Ed25519 SCAL2 keys added to a keystore at once, for the
// cold-start keystores (bench/run.sh), through SigningKeys::BulkAddFileKeysForBenchmark.
#pragma once

#include <cstdint>
#include <string>

namespace samp11::bench {

// Keys with CKA_ID prefix + 8-byte big-endian counter 0 .. count - 1, owned by signer, in the
// first token of the configuration conf; returns the exit code.
int RunBulkKeys(const std::string& conf, const std::string& signer, int64_t count,
                const std::string& prefix);

}  // namespace samp11::bench
