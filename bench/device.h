// The signer's device: issues real SADs, in process, before the timed loop (never inside it).
#pragma once

#include <string>
#include <vector>

#include "common/bytes.h"
#include "crypto/ossl.h"

namespace samp11::bench {

struct Device {
  EvpPkeyPtr key;
  std::string kid;
  std::string signer;
  std::string aud;
  // A SAD for the key key_id binding these SHA-256 hashes, valid for 300 seconds from now.
  std::string Issue(const Bytes& key_id, const std::vector<Bytes>& hashes) const;
};

// Alice's device (bench/run.sh enrolls it) from its private key in PEM, for the token aud.
Device LoadDevice(const std::string& pem_path, const std::string& aud);

}  // namespace samp11::bench
