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
  std::string conf;  // the file token's configuration (its keystore, the processes row)
  std::string name_pin;
  std::string softhsm = "/usr/lib/softhsm/libsofthsm2.so";
  std::string softhsm_token = "peer";
  std::string softhsm_pin;
  std::string p11kit_client;
  std::string keystore_dir;
  // The token in PostgreSQL (bench/run.sh makes it; no pg_token: no samp11-postgres rows and no
  // nodes row): its label in the configuration the module loads (SAMP11_CONF), its identity
  // (its SADs' aud), its server (the limit's commit is timed there) and the configurations of its
  // node processes (the same token, a node name each).
  std::string pg_token;
  std::string pg_aud;
  std::string pg_conninfo;
  std::vector<std::string> pg_node_confs;
  std::vector<std::string> coldstart;  // LABEL:CONF:KEYS entries
  std::string coldstart_key_id = "c0ffee01";
  std::string bulk_prefix = "b0";
  std::string out;
  std::string machine;
  bool smoke = false;
  bool skip_softhsm_backend = false;
  // For a profiler: only this row ("GROUP/MODE/KEY/THREADS" of a samp11 row, e.g.
  // "samp11-file/single-sad/ec-p256/2"), "processes/1" or "processes/4" (SCAL1 processes), or
  // "nodes/1" or "nodes/2" (PostgreSQL node processes), for about only_seconds seconds per
  // repeat; nothing else runs and no JSON is written.
  std::string only;
  double only_seconds = 5;
};

}  // namespace samp11::bench
