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
};

}  // namespace samp11::bench
