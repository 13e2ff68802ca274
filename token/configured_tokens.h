// The tokens the module's configuration names, each opened, or why it could not be: what
// C_Initialize makes its slots from.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "token/token.h"

namespace samp11 {

struct ConfiguredToken {
  std::string label;             // as configured: names the slot even when the token is absent
  std::unique_ptr<Token> token;  // null when it could not be opened
  Status open_error;             // why, when token is null
};

struct ConfiguredTokens {
  std::string config_path;  // SAMP11_CONF, else the default
  std::vector<ConfiguredToken> tokens;
};

// kConfig (and the path in the message) when the configuration cannot be read or parsed; a token
// that does not open is no error here: its slot then has no token present.
Result<ConfiguredTokens> OpenConfiguredTokens();

}  // namespace samp11
