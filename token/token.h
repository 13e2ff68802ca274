// A token as the module serves it: its keystore and its SAM, opened from one TokenConfig. This is
// the ABI's one door into a token (docs/architecture.md): pkcs11/ asks the SAM to decide and
// objects() what C_FindObjects and C_GetAttributeValue show, and never touches storage.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "config/config.h"
#include "keystore/keystore.h"
#include "keystore/pins.h"
#include "sam/sam.h"
#include "token/objects.h"

namespace samp11 {

class Token {
 public:
  static Result<std::unique_ptr<Token>> Open(const TokenConfig& config);

  const std::string& label() const { return keystore_->label(); }        // CK_TOKEN_INFO label
  const std::string& identity() const { return keystore_->identity(); }  // the SADs' `aud`
  Sam& sam() { return *sam_; }
  TokenObjects& objects() { return objects_; }
  // The worst state over every signer's PIN, for the CKF_USER_PIN_* flags.
  Result<PinState> PinStatus();

 private:
  Token(TokenConfig config, std::unique_ptr<Keystore> keystore,
        std::unique_ptr<SadProvider> provider);

  TokenConfig config_;
  std::unique_ptr<Keystore> keystore_;
  std::unique_ptr<Sam> sam_;
  TokenObjects objects_;
};

}  // namespace samp11
