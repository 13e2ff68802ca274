#include "token/configured_tokens.h"

namespace samp11 {

Result<ConfiguredTokens> OpenConfiguredTokens() {
  ConfiguredTokens out;
  out.config_path = ConfigPath();
  Result<ModuleConfig> config = LoadConfig(out.config_path);
  if (!config.ok()) {
    return Status(config.status().code(),
                  "configuration " + out.config_path + " unusable: " + config.status().message());
  }
  for (const TokenConfig& token_config : config->tokens) {
    ConfiguredToken token;
    token.label = token_config.label;
    Result<std::unique_ptr<Token>> opened = Token::Open(token_config);
    if (opened.ok()) {
      token.token = std::move(opened).value();
    } else {
      token.open_error = opened.status();
    }
    out.tokens.push_back(std::move(token));
  }
  return out;
}

}  // namespace samp11
