// samp11 init: a new token = a keystore file, a fresh master key file, an entry in the config.
#include <filesystem>
#include <iostream>

#include "tools/samp11/commands.h"

namespace samp11::cli {
namespace {

struct InitOptions {
  std::string label;
  std::string keystore;
  std::string database;  // a PostgreSQL connection string instead of a keystore file
  std::string schema = "samp11";
  std::string node;
  std::string master_key;
  std::string passphrase_env;
  bool protected_path = false;
};

Status RunInit(const GlobalOptions& global, const InitOptions& o) {
  namespace fs = std::filesystem;
  if (o.master_key.empty() == o.passphrase_env.empty()) {
    return Status(Code::kArgumentsBad, "give exactly one of --master-key and --passphrase-env");
  }
  if (o.keystore.empty() == o.database.empty()) {
    return Status(Code::kArgumentsBad, "give exactly one of --keystore and --database");
  }
  std::string conf = ConfPath(global);
  ModuleConfig config;
  if (fs::exists(conf)) {
    SAMP11_ASSIGN_OR_RETURN(config, LoadConfig(conf));
  }
  for (const TokenConfig& t : config.tokens) {
    if (t.label == o.label) {
      return Status(Code::kAlreadyExists, "token '" + o.label + "' is already in " + conf);
    }
  }
  TokenConfig token;
  token.label = o.label;
  if (!o.keystore.empty()) {
    token.keystore = fs::absolute(o.keystore).string();
  } else {
    token.database = DatabaseConfig{o.database, o.schema, o.node};
  }
  const std::string where =
      token.database ? "schema " + token.database->schema + " of the database" : token.keystore;
  if (!o.master_key.empty()) {
    token.master = {MasterKeySource::Kind::kKeyFile, fs::absolute(o.master_key).string()};
    SAMP11_RETURN_IF_ERROR(CreateMasterKeyFile(token.master.location));
  } else {
    token.master = {MasterKeySource::Kind::kPassphraseEnv, o.passphrase_env};
  }
  token.policy.protected_authentication_path = o.protected_path;
  // A master key file made for a token that then failed to come into being goes again: left
  // behind, it would make the corrected retry refuse ("already exists") with nothing to use it.
  auto undo_master_key = [&](Status failed) {
    if (token.master.kind == MasterKeySource::Kind::kKeyFile) {
      std::error_code ignored;
      fs::remove(token.master.location, ignored);
    }
    return failed;
  };
  Result<std::unique_ptr<Keystore>> keystore =
      Keystore::Create(*TokenLocation(token), token.master, token.label, DefaultClock());
  if (!keystore.ok()) return undo_master_key(keystore.status());
  config.tokens.push_back(token);
  std::error_code dir_error;
  if (fs::path(conf).has_parent_path()) {
    fs::create_directories(fs::path(conf).parent_path(), dir_error);
  }
  Status saved = dir_error ? Status(Code::kStorage, "cannot create the folder of " + conf + ": " +
                                                        dir_error.message())
                           : SaveConfig(config, conf);
  if (!saved.ok()) {
    // The keystore stays (its file may hold nothing else yet, but removing a keystore is not
    // init's to do); the message names it so the operator can add it by hand or remove it.
    return Status(saved.code(), saved.message() + "; the keystore " + where +
                                    " was created and is not in the config");
  }
  std::cout << "token '" << token.label << "' created\n"
            << "  identity (SAD aud): " << (*keystore)->identity() << "\n"
            << "  keystore:           " << where << "\n";
  if (token.master.kind == MasterKeySource::Kind::kKeyFile) {
    std::cout << "  master key file:    " << token.master.location << " (keep it secret)\n";
  }
  std::cout << "  config:             " << conf << "\n";
  return Status::Ok();
}

}  // namespace

void AddInitCommand(CLI::App& app, const GlobalOptions& global, int* exit_code) {
  auto options = std::make_shared<InitOptions>();
  CLI::App* cmd = app.add_subcommand("init", "create a token: keystore, master key, config entry");
  cmd->add_option("--label", options->label, "token label (at most 32 bytes)")->required();
  cmd->add_option("--keystore", options->keystore, "path of the new SQLite keystore");
  cmd->add_option("--database", options->database,
                  "a PostgreSQL connection string (no password: .pgpass or a service file) "
                  "instead of a keystore file, for several signing nodes");
  cmd->add_option("--schema", options->schema, "with --database: the token's schema")
      ->capture_default_str();
  cmd->add_option("--node", options->node,
                  "with --database: this node's name in the audit log (default: the host name)");
  cmd->add_option("--master-key", options->master_key,
                  "path of the new master key file (created with mode 0600)");
  cmd->add_option("--passphrase-env", options->passphrase_env,
                  "derive the master key (scrypt) from the passphrase in this variable instead");
  cmd->add_flag("--protected-authentication-path", options->protected_path,
                "advertise CKF_PROTECTED_AUTHENTICATION_PATH: logins without PIN, deposited SADs");
  cmd->callback([&global, options, exit_code] {
    Status s = RunInit(global, *options);
    *exit_code = s.ok() ? 0 : Fail(s);
  });
}

}  // namespace samp11::cli
