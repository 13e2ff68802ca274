// What every samp11 subcommand shares: the config file, the chosen token, files, and errors.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/bytes.h"
#include "common/status.h"
#include "config/config.h"
#include "keystore/keystore.h"
#include "token/open_keystore.h"

namespace samp11::cli {

struct GlobalOptions {
  std::string conf;   // --conf, else SAMP11_CONF, else the default path
  std::string token;  // --token LABEL; may be empty when the config has one token
};

std::string ConfPath(const GlobalOptions& options);
// The TokenConfig chosen by --token (or the only one).
Result<TokenConfig> ChooseToken(const GlobalOptions& options);
Result<std::unique_ptr<Keystore>> OpenKeystore(const GlobalOptions& options);

// The wall clock, seconds since the epoch (what the SAM's SystemClock answers).
int64_t Now();

Result<Bytes> ReadFile(const std::string& path);
Status WriteFileAtomic(const std::string& path, const std::string& content, int mode = 0644);

// Prints "samp11: error: <message>" and returns the exit code for the status (1 for usage and
// refusals, 2 for storage and internal faults).
int Fail(const Status& status);

}  // namespace samp11::cli
