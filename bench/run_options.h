// The options of `samp11_bench run` (bench/run.sh passes them; samp11_bench.cc parses them).
#pragma once

#include <string>
#include <vector>

namespace samp11::bench {

struct RunOptions {
  std::string module;
  std::string token = "bench";
  std::string device_key;
  std::string aud;
  std::string conf;
  std::string name_pin;
  std::string softhsm = "/usr/lib/softhsm/libsofthsm2.so";
  std::string softhsm_token = "peer";
  std::string softhsm_pin;
  std::string p11kit_client;
  std::string keystore_dir;
  std::vector<std::string> coldstart;  // LABEL:CONF:KEYS entries
  std::string coldstart_key_id = "c0ffee01";
  std::string bulk_prefix = "b0";
  std::string out;
  std::string machine;
  bool smoke = false;
  bool skip_softhsm_backend = false;
  // For a profiler: only this row ("GROUP/MODE/KEY/THREADS" of a samp11 row, e.g.
  // "samp11-file/single-sad/ec-p256/2") or "processes" (the 1- and 4-process SCAL1 runs), for
  // about seconds_per_rep seconds per repeat; nothing else runs and no JSON is written.
  std::string only;
  double only_seconds = 5;
};

}  // namespace samp11::bench
