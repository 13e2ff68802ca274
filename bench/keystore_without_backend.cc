#include "bench/keystore_without_backend.h"

#include "bench/must.h"

namespace samp11::bench {

KeystoreWithoutBackend OpenKeystoreWithoutBackend(const std::string& conf,
                                                  const std::string& open_what) {
  ModuleConfig config = Must(LoadConfig(conf), "LoadConfig " + conf);
  KeystoreWithoutBackend k;
  k.token = config.tokens.at(0);
  k.token.pkcs11_backend.reset();
  k.token.key_backend = "file";
  k.keystore = Must(OpenTokenKeystore(k.token), open_what);
  return k;
}

}  // namespace samp11::bench
