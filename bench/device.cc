#include "bench/device.h"

#include <ctime>
#include <fstream>
#include <sstream>

#include "bench/documents.h"
#include "bench/must.h"
#include "crypto/keys.h"
#include "sad/sad.h"

namespace samp11::bench {

std::string Device::Issue(const Bytes& key_id, const std::vector<Bytes>& hashes) const {
  SadClaims c;
  c.iss = signer;
  c.sub = signer;
  c.aud = aud;
  c.credential_id = HexEncode(key_id);
  c.hash_alg = HashAlg::kSha256;
  c.hashes = hashes;
  c.iat = static_cast<int64_t>(std::time(nullptr));
  c.exp = c.iat + 300;
  c.jti = Base64UrlEncode(Random(16));
  return Must(IssueSad(c, kid, key.get()), "IssueSad");
}

Device LoadDevice(const std::string& pem_path, const std::string& aud) {
  std::ifstream in(pem_path);
  std::stringstream ss;
  ss << in.rdbuf();
  Device d;
  d.key = Must(PrivateKeyFromPem(ss.str()), "device key " + pem_path);
  d.kid = Must(JwkThumbprint(d.key.get()), "device kid");
  d.signer = "alice";
  d.aud = aud;
  return d;
}

}  // namespace samp11::bench
