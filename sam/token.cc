#include "sam/token.h"

namespace samp11 {

Token::Token(TokenConfig config, std::unique_ptr<Keystore> keystore,
             std::unique_ptr<SadProvider> provider)
    : config_(std::move(config)), keystore_(std::move(keystore)) {
  sam_ = std::make_unique<Sam>(*keystore_, config_.policy, DefaultClock(), std::move(provider));
}

Result<std::unique_ptr<Token>> Token::Open(const TokenConfig& config) {
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> keystore, OpenTokenKeystore(config));
  std::unique_ptr<SadProvider> provider;
  if (config.sad_provider) {
    SAMP11_ASSIGN_OR_RETURN(provider,
                            MakeSadProvider(*config.sad_provider, *keystore, DefaultClock()));
  }
  return std::unique_ptr<Token>(new Token(config, std::move(keystore), std::move(provider)));
}

}  // namespace samp11
