#include "token/token.h"

#include "token/open_keystore.h"

namespace samp11 {

Token::Token(TokenConfig config, std::unique_ptr<Keystore> keystore,
             std::unique_ptr<SadProvider> provider)
    : config_(std::move(config)),
      keystore_(std::move(keystore)),
      sam_(std::make_unique<Sam>(*keystore_, config_.policy, keystore_->clock(),
                                 std::move(provider))),
      objects_(*keystore_, *sam_) {}

Result<std::unique_ptr<Token>> Token::Open(const TokenConfig& config) {
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> keystore, OpenTokenKeystore(config));
  std::unique_ptr<SadProvider> provider;
  if (config.sad_provider) {
    SAMP11_ASSIGN_OR_RETURN(provider,
                            MakeSadProvider(*config.sad_provider, *keystore, keystore->clock()));
  }
  return std::unique_ptr<Token>(new Token(config, std::move(keystore), std::move(provider)));
}

Result<PinState> Token::PinStatus() {
  return keystore_->pins().PinStatus(config_.policy.pin_max_tries);
}

}  // namespace samp11
