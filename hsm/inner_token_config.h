// Where the inner token is and how samp11 logs in to it: the "pkcs11_backend" object of a token's
// configuration (docs/configuration.md). InnerToken::Create checks its form.
#pragma once

#include <cstddef>
#include <string>

namespace samp11 {

struct InnerTokenConfig {
  std::string module;        // path of the PKCS#11 module (.so), e.g. libsofthsm2.so
  std::string token_label;   // the token, by CKA_LABEL of its CK_TOKEN_INFO (padding trimmed) ...
  std::string token_serial;  // ... or by serial number; exactly one of the two is set
  std::string pin_file;      // the token user's PIN: the file's first line; not world-readable
  size_t max_sessions = 16;  // inner sessions open at once; operations past it wait for one
};

}  // namespace samp11
