// Several processes on one keystore (docs/performance.md, "Processes"): one process of
// `samp11_bench scal1-process` loads the module as an application does, logs in to a SCAL1 key
// with NAME:PIN and signs from a common start time until a common deadline, so that processes
// started together sign over the same window. The parent side is processes_runs.h.
#pragma once

#include <cstdint>
#include <string>

namespace samp11::bench {

struct ProcessOptions {
  std::string module;
  std::string token;
  std::string key_id;       // an EC P-256 SCAL1 key (hex)
  std::string name_pin;     // NAME:PIN
  int64_t start_at_ms = 0;  // CLOCK_REALTIME, milliseconds since the epoch
  double seconds = 1.0;
};

// Prints one JSON object on stdout ({signatures, seconds, late_ms}); returns the exit code.
// The first signature is verified against the key's public key.
int RunScal1Process(const ProcessOptions& o);

}  // namespace samp11::bench
