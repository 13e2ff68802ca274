// The run's samp11 keystore opened directly by the bench, for what PKCS#11 does not reach (the
// SAM's isolated costs, keystore deposits). Opened without its pkcs11 key backend: the bench
// needs the keystore's rows, not the keys in SoftHSM.
#pragma once

#include <memory>
#include <string>

#include "config/config.h"
#include "keystore/keystore.h"
#include "token/open_keystore.h"

namespace samp11::bench {

struct KeystoreWithoutBackend {
  TokenConfig token;  // the configuration's first token, key_backend "file"
  std::unique_ptr<Keystore> keystore;
};

// Throws BenchError; open_what names the open in that error.
KeystoreWithoutBackend OpenKeystoreWithoutBackend(const std::string& conf,
                                                  const std::string& open_what);

}  // namespace samp11::bench
