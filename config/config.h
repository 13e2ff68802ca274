// The module's configuration: a JSON file named by SAMP11_CONF, else /etc/samp11/samp11.json.
// docs/configuration.md lists every member.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "config/sad_provider_config.h"
#include "config/sam_policy.h"
#include "hsm/inner_token_config.h"
#include "keystore/master_key.h"

namespace samp11 {

constexpr char kDefaultConfigPath[] = "/etc/samp11/samp11.json";

// Where the token's rollback guard keeps its anchor (keystore/rollback_guard.h): a file outside
// the keystore's folder, ideally on another file system that the keystore's owner cannot write,
// or a data object in the inner PKCS#11 token (pkcs11_backend). Exactly one.
struct RollbackAnchorConfig {
  std::string file;
  bool pkcs11 = false;
};

// The module's own checkpoints of the audit log (keystore/audit_checkpointer.h): where they go (a
// file to append to, outside the keystore's folder, and/or a syslog socket) and how often.
struct CheckpointsConfig {
  std::string file;           // empty: none
  std::string syslog_socket;  // empty: none; "syslog": true means /dev/log
  int64_t every_records = 1000;
  int64_t every_seconds = 300;
};

// A token's state in a PostgreSQL database that several signing nodes share (state/postgres/),
// instead of a keystore file. The password is never here: .pgpass (PGPASSFILE) or a service file.
struct DatabaseConfig {
  std::string conninfo;  // a libpq connection string, URI or `service=NAME`
  std::string schema = "samp11";
  std::string node;  // this node's name in the audit log; empty: the host name
  int64_t timeout_seconds = 5;
};

struct TokenConfig {
  std::string label;     // matches the keystore's label; names the token for the CLI
  std::string keystore;  // path of the SQLite file; empty when database is set
  std::optional<DatabaseConfig> database;
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
  // Refuses a keystore put back to an earlier state (docs/security.md); none by default.
  std::optional<RollbackAnchorConfig> rollback_anchor;
  // Checkpoints emitted by the module (docs/keystore.md, "Checkpoints"); none by default.
  std::optional<CheckpointsConfig> checkpoints;
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
