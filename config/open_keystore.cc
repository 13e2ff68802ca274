// A token's keystore as its configuration describes it: the SQLite file under its master key, and
// the inner PKCS#11 token when the configuration names one. Shared by the module and the CLI so
// that both see the same keys.
#include "config/config.h"
#include "hsm/inner_token.h"
#include "hsm/pkcs11_key_backend.h"

namespace samp11 {

Result<std::unique_ptr<Keystore>> OpenTokenKeystore(const TokenConfig& token) {
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> keystore,
                          Keystore::Open(token.keystore, token.master));
  if (token.pkcs11_backend) {
    // Connects on first use: a missing inner token does not keep the file keys from serving.
    SAMP11_ASSIGN_OR_RETURN(std::shared_ptr<InnerToken> inner,
                            InnerToken::Create(*token.pkcs11_backend));
    keystore->AddBackend(MakePkcs11KeyBackend(std::move(inner)));
  }
  SAMP11_RETURN_IF_ERROR(keystore->SetDefaultBackend(token.key_backend));
  return keystore;
}

}  // namespace samp11
