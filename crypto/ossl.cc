#include "crypto/ossl.h"

#include <openssl/err.h>
#include <openssl/provider.h>

namespace samp11 {

SharedPkey Share(EvpPkeyPtr key) {
  return SharedPkey(key.release(), OsslDeleter<EVP_PKEY, EVP_PKEY_free>());
}

OSSL_LIB_CTX* LibCtx() {
  static OSSL_LIB_CTX* const ctx = [] {
    OSSL_LIB_CTX* made = OSSL_LIB_CTX_new();
    if (made != nullptr && OSSL_PROVIDER_load(made, "default") == nullptr) {
      OSSL_LIB_CTX_free(made);
      made = nullptr;
    }
    return made;
  }();
  return ctx;
}

Status OpenSslError(const std::string& context, Code code) {
  std::string message = context;
  bool first = true;
  // Drain the whole queue, so a stale error never shows up in an unrelated later failure.
  for (unsigned long err = ERR_get_error(); err != 0; err = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof(buf));
    message += first ? ": " : "; ";
    message += buf;
    first = false;
  }
  return Status(code, std::move(message));
}

}  // namespace samp11
