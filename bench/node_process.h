// One signing node of a token in PostgreSQL (docs/performance.md, "Nodes"): a process of
// `samp11_bench node-process` loads the module as an application does, with the token's
// configuration and a node name of its own (SAMP11_CONF), and signs with single SADs, one per
// signature, from a common start time until a common deadline. Its SADs are all issued before the
// window, never in it. The parent side is node_runs.h.
#pragma once

#include <cstdint>
#include <string>

namespace samp11::bench {

struct NodeProcessOptions {
  std::string module;
  std::string token;
  std::string key_id;    // a SCAL2 key (hex)
  std::string key_type;  // its type's name in kKeys (key_specs.h)
  std::string device_key;
  std::string aud;          // the token's identity
  int64_t start_at_ms = 0;  // CLOCK_REALTIME, milliseconds since the epoch
  double seconds = 1.0;
  int sads = 1000;  // issued before the window: more than the process can sign in it
};

// Prints one JSON object on stdout ({signatures, seconds, late_ms, sads}); returns the exit code.
// The first signature (before the window) is verified against the key's public key; a process
// that runs out of SADs before the deadline fails (its rate would be a floor, not a rate).
int RunNodeProcess(const NodeProcessOptions& o);

}  // namespace samp11::bench
