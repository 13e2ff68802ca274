// samp11 rotate-master-key: re-wraps every key and re-MACs every row of a token under a new
// master key (Keystore::RotateMasterKey, one transaction), then points the config at the new key.
// Each step is restartable: the new key file is kept if it exists, and a keystore that already
// opens with the new key (a run interrupted after its commit) only gets its config updated.
#include <filesystem>
#include <iostream>
#include <memory>

#include "tools/samp11/commands.h"

namespace samp11::cli {
namespace {

struct RotateOptions {
  std::string new_master_key;
  std::string new_passphrase_env;
  bool update_config = true;
};

std::string Describe(const MasterKeySource& source) {
  return source.kind == MasterKeySource::Kind::kKeyFile ? "master key file " + source.location
                                                        : "passphrase in $" + source.location;
}

bool SameSource(const MasterKeySource& a, const MasterKeySource& b) {
  return a.kind == b.kind && a.location == b.location;
}

Result<MasterKeySource> NewSource(const RotateOptions& o) {
  namespace fs = std::filesystem;
  if (o.new_master_key.empty() == o.new_passphrase_env.empty()) {
    return Status(Code::kArgumentsBad,
                  "give exactly one of --new-master-key and --new-passphrase-env");
  }
  if (!o.new_passphrase_env.empty()) {
    return MasterKeySource{MasterKeySource::Kind::kPassphraseEnv, o.new_passphrase_env};
  }
  MasterKeySource source{MasterKeySource::Kind::kKeyFile, fs::absolute(o.new_master_key).string()};
  // An existing file is used as it is: that is how an interrupted rotation is run again.
  if (!fs::exists(source.location)) {
    SAMP11_RETURN_IF_ERROR(CreateMasterKeyFile(source.location));
    std::cout << "new master key file " << source.location << " created (mode 0600)\n";
  }
  return source;
}

Status PointConfigAt(const GlobalOptions& global, const std::string& label,
                     const MasterKeySource& source) {
  const std::string conf = ConfPath(global);
  SAMP11_ASSIGN_OR_RETURN(ModuleConfig config, LoadConfig(conf));
  for (TokenConfig& token : config.tokens) {
    if (token.label == label) token.master = source;
  }
  return SaveConfig(config, conf);
}

Status RunRotate(const GlobalOptions& global, const RotateOptions& o) {
  SAMP11_ASSIGN_OR_RETURN(TokenConfig token, ChooseToken(global));
  SAMP11_ASSIGN_OR_RETURN(MasterKeySource next, NewSource(o));
  if (SameSource(token.master, next) && next.kind == MasterKeySource::Kind::kKeyFile) {
    return Status(Code::kArgumentsBad, "the token already uses " + Describe(next));
  }
  Result<std::unique_ptr<Keystore>> keystore = OpenTokenKeystore(token);
  if (!keystore.ok()) {
    // Interrupted after the commit, before the config was rewritten: the file is already done.
    TokenConfig rotated = token;
    rotated.master = next;
    if (keystore.status().code() != Code::kConfig || !OpenTokenKeystore(rotated).ok()) {
      return keystore.status();
    }
    std::cout << "token '" << token.label << "' already opens with " << Describe(next)
              << " (an earlier rotation finished its commit)\n";
  } else {
    SAMP11_RETURN_IF_ERROR((*keystore)->RotateMasterKey(next));
    std::cout << "token '" << token.label << "': every key re-wrapped and every record re-MAC'd "
              << "under " << Describe(next) << "\n";
  }
  if (o.update_config) {
    SAMP11_RETURN_IF_ERROR(PointConfigAt(global, token.label, next));
    std::cout << "config " << ConfPath(global) << " now names " << Describe(next) << "\n";
  } else {
    std::cout << "config not changed: set the token's master key to " << Describe(next) << "\n";
  }
  std::cout << Describe(token.master) << " no longer opens this keystore; processes that have it "
            << "open refuse to sign until restarted with the new key\n";
  return Status::Ok();
}

}  // namespace

void AddRotateCommand(CLI::App& app, const GlobalOptions& global, int* exit_code) {
  auto options = std::make_shared<RotateOptions>();
  CLI::App* cmd = app.add_subcommand(
      "rotate-master-key", "re-wrap every key and re-MAC every record under a new master key");
  auto* file = cmd->add_option("--new-master-key", options->new_master_key,
                               "new master key file (created with mode 0600 if absent)");
  auto* env = cmd->add_option("--new-passphrase-env", options->new_passphrase_env,
                              "derive the new master key (scrypt) from this variable instead");
  file->excludes(env);
  cmd->add_flag("!--no-config-update", options->update_config,
                "leave the config file as it is (print the change to make)");
  cmd->callback([&global, options, exit_code] {
    Status s = RunRotate(global, *options);
    *exit_code = s.ok() ? 0 : Fail(s);
  });
}

}  // namespace samp11::cli
