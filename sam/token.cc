#include "sam/token.h"

namespace samp11 {

Token::Token(TokenConfig config, std::unique_ptr<Keystore> keystore)
    : config_(std::move(config)), keystore_(std::move(keystore)) {
  sam_ = std::make_unique<Sam>(*keystore_, config_.policy, DefaultClock());
}

Result<std::unique_ptr<Token>> Token::Open(const TokenConfig& config) {
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> keystore,
                          OpenTokenKeystore(config));
  return std::unique_ptr<Token>(new Token(config, std::move(keystore)));
}

}  // namespace samp11
