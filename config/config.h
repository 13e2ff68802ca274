// The module's configuration: a JSON file named by SAMP11_CONF, else /etc/samp11/samp11.json.
// docs/configuration.md lists every member.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "keystore/master_key.h"
#include "sam/policy.h"

namespace samp11 {

constexpr char kDefaultConfigPath[] = "/etc/samp11/samp11.json";

struct TokenConfig {
  std::string label;     // matches the keystore's label; names the token for the CLI
  std::string keystore;  // path of the SQLite file
  MasterKeySource master;
  SamPolicy policy;
};

struct ModuleConfig {
  std::vector<TokenConfig> tokens;
};

std::string ConfigPath();  // SAMP11_CONF or the default
// Unknown members are refused (a typo must not silently weaken policy); relative keystore and
// key file paths are resolved against the config file's folder.
Result<ModuleConfig> LoadConfig(const std::string& path);
Result<ModuleConfig> ParseConfig(const std::string& json_text, const std::string& base_dir);
// Writes the config atomically (temporary file, fsync, rename).
Status SaveConfig(const ModuleConfig& config, const std::string& path);
std::string ConfigToJson(const ModuleConfig& config);

}  // namespace samp11
