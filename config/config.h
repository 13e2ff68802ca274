// The module's configuration: a JSON file named by SAMP11_CONF, else /etc/samp11/samp11.json.
// docs/configuration.md lists every member.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "hsm/inner_token_config.h"
#include "keystore/keystore.h"
#include "keystore/master_key.h"
#include "sam/policy.h"
#include "sam/sad_provider_config.h"

namespace samp11 {

constexpr char kDefaultConfigPath[] = "/etc/samp11/samp11.json";

struct TokenConfig {
  std::string label;     // matches the keystore's label; names the token for the CLI
  std::string keystore;  // path of the SQLite file
  MasterKeySource master;
  SamPolicy policy;
  // Where new keys are made: "file" (the keystore itself) or "pkcs11" (the inner token below).
  std::string key_backend = "file";
  // An inner PKCS#11 token (SoftHSMv2, an HSM) that holds keys behind samp11's gate; its keys
  // sign only through the SAM, like file keys.
  std::optional<InnerTokenConfig> pkcs11_backend;
  // Asked for a SAD when a SCAL2 signature reaches C_Sign without one (docs/sad.md, "Asking the
  // signer"); none by default.
  std::optional<SadProviderConfig> sad_provider;
};

// The token's keystore with the key backends its configuration names.
Result<std::unique_ptr<Keystore>> OpenTokenKeystore(const TokenConfig& token);

// The token state a keystore path names (a SQLite file), and the keystore in it, for callers
// that know only the path. Errors name the path.
std::unique_ptr<StateLocation> KeystoreLocation(const std::string& path);
Result<std::unique_ptr<Keystore>> OpenKeystoreAt(const std::string& path,
                                                 const MasterKeySource& master,
                                                 const Clock& clock = DefaultClock());
Result<std::unique_ptr<Keystore>> CreateKeystoreAt(const std::string& path,
                                                   const MasterKeySource& master,
                                                   const std::string& label,
                                                   const Clock& clock = DefaultClock());

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
