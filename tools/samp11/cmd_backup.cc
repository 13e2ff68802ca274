// samp11 backup / samp11 restore (Keystore::Backup, Keystore::Restore).
#include <filesystem>
#include <iostream>
#include <memory>

#include "common/time_text.h"
#include "tools/samp11/commands.h"

namespace samp11::cli {
namespace {

struct BackupOptions {
  std::string out;
};

struct RestoreOptions {
  std::string in;
  std::string master_key;  // the master key the backup was made under, if not the config's
  std::string passphrase_env;
  bool force = false;
};

Status RunBackup(const GlobalOptions& global, const BackupOptions& o) {
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> keystore, OpenKeystore(global));
  SAMP11_ASSIGN_OR_RETURN(Keystore::BackupReport report, keystore->Backup(o.out));
  std::cout << "backup of token '" << report.header.label << "' written to " << o.out << "\n"
            << "  taken:   " << UtcText(report.header.created_at) << " (audit log up to record "
            << report.header.audit_last_seq << ")\n"
            << "  size:    " << report.bytes << " bytes, sealed under the token's master key\n"
            << "  sha256:  " << report.sha256_hex << "\n";
  return Status::Ok();
}

Status RunRestore(const GlobalOptions& global, const RestoreOptions& o) {
  namespace fs = std::filesystem;
  if (!o.master_key.empty() && !o.passphrase_env.empty()) {
    return Status(Code::kArgumentsBad, "give at most one of --master-key and --passphrase-env");
  }
  SAMP11_ASSIGN_OR_RETURN(TokenConfig token, ChooseToken(global));
  MasterKeySource master = token.master;
  const bool other_key = !o.master_key.empty() || !o.passphrase_env.empty();
  if (!o.master_key.empty()) master = {MasterKeySource::Kind::kKeyFile, fs::absolute(o.master_key)};
  if (!o.passphrase_env.empty()) master = {MasterKeySource::Kind::kPassphraseEnv, o.passphrase_env};
  SAMP11_ASSIGN_OR_RETURN(Bytes file, ReadFile(o.in));
  SAMP11_ASSIGN_OR_RETURN(Keystore::RestoreReport report,
                          Keystore::Restore(*TokenLocation(token), master, file, o.force));
  std::cout << "token '" << report.header.label << "' restored from " << o.in << " (taken "
            << UtcText(report.header.created_at) << ", audit log up to record "
            << report.header.audit_last_seq << ")\n"
            << "  carried over from the live keystore: " << report.carried.spent_hashes_merged
            << " spent hashes, " << report.carried.key_statuses << " key statuses, "
            << report.carried.signer_statuses << " signer statuses, "
            << report.carried.activation_keys_removed << " activation key removals, "
            << report.carried.activation_key_statuses << " activation key statuses\n";
  if (report.sad_not_before != 0) {
    std::cout << "  there was no readable live keystore to take spent hashes from: SADs issued "
              << "before " << UtcText(report.sad_not_before) << " are refused\n";
  }
  if (!report.aside_path.empty()) {
    std::cout << "  the keystore as it was before: " << report.aside_path << "\n";
  }
  if (token.rollback_anchor) {
    // A restore puts the keystore back on purpose, and carries the spends made since the backup
    // (or, with no live keystore to take them from, refuses older SADs itself): the guard's anchor
    // is moved to it, recorded.
    TokenConfig restored = token;
    restored.master = master;
    SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> ks, OpenTokenKeystore(restored));
    Result<Keystore::RollbackAcceptance> accepted =
        ks->AcceptRollback("restore of the backup " + o.in, /*refuse_earlier_sads=*/false);
    if (accepted.ok()) {
      std::cout << "  the rollback anchor (" << accepted->anchor << ") now holds audit record "
                << accepted->record << "\n";
    } else if (accepted.status().code() != Code::kArgumentsBad) {
      return accepted.status();
    }
  }
  if (other_key) {
    // The restored file opens with the key the backup was made under: the config must say so.
    SAMP11_ASSIGN_OR_RETURN(ModuleConfig config, LoadConfig(ConfPath(global)));
    for (TokenConfig& t : config.tokens) {
      if (t.label == token.label) t.master = master;
    }
    SAMP11_RETURN_IF_ERROR(SaveConfig(config, ConfPath(global)));
    std::cout << "  config " << ConfPath(global) << " now names that master key\n";
  }
  return Status::Ok();
}

}  // namespace

void AddBackupCommands(CLI::App& app, const GlobalOptions& global, int* exit_code) {
  auto backup = std::make_shared<BackupOptions>();
  CLI::App* b = app.add_subcommand(
      "backup", "write one encrypted, authenticated file of the token (while others sign)");
  b->add_option("--out", backup->out, "the backup file to create (mode 0600)")->required();
  b->callback([&global, backup, exit_code] {
    Status s = RunBackup(global, *backup);
    *exit_code = s.ok() ? 0 : Fail(s);
  });

  auto restore = std::make_shared<RestoreOptions>();
  CLI::App* r = app.add_subcommand(
      "restore",
      "put a backup back into its token; spent hashes and key statuses stay as they are");
  r->add_option("--in", restore->in, "the backup file")->required();
  r->add_option("--master-key", restore->master_key,
                "the master key file the backup was made under (default: the config's)");
  r->add_option("--passphrase-env", restore->passphrase_env,
                "the variable with the passphrase the backup was made under");
  r->add_flag("--force", restore->force,
              "move an unreadable keystore file aside instead of refusing");
  r->callback([&global, restore, exit_code] {
    Status s = RunRestore(global, *restore);
    *exit_code = s.ok() ? 0 : Fail(s);
  });
}

}  // namespace samp11::cli
