// Cold start, in a fresh process (`samp11_bench coldstart`): C_Initialize -> first signature
// (open session, find the key by CKA_ID, context login, sign), the process's VmHWM after it, and
// C_FindObjects of a private key by CKA_ID. The parent side is coldstart_runs.h.
#pragma once

#include <cstdint>
#include <string>

namespace samp11::bench {

struct ColdStartOptions {
  std::string module;
  std::string token;
  std::string key_id;  // an EC P-256 SCAL2 key (hex)
  std::string device_key;
  std::string aud;
  std::string find_prefix;  // the bulk keys' CKA_ID prefix (hex), counter after it
  int64_t find_count = 0;   // bulk keys: ids prefix + 0 .. find_count - 1
  int find_reps = 200;
};

// Prints one JSON object on stdout; returns the exit code.
int RunColdStart(const ColdStartOptions& o);

}  // namespace samp11::bench
