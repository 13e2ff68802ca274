// A token as the module serves it: its keystore and its SAM, built from one TokenConfig.
#pragma once

#include <memory>

#include "config/config.h"
#include "keystore/keystore.h"
#include "sam/sam.h"

namespace samp11 {

class Token {
 public:
  static Result<std::unique_ptr<Token>> Open(const TokenConfig& config);

  const TokenConfig& config() const { return config_; }
  Keystore& keystore() { return *keystore_; }
  Sam& sam() { return *sam_; }

 private:
  Token(TokenConfig config, std::unique_ptr<Keystore> keystore,
        std::unique_ptr<SadProvider> provider);

  TokenConfig config_;
  std::unique_ptr<Keystore> keystore_;
  std::unique_ptr<Sam> sam_;
};

}  // namespace samp11
