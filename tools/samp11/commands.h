// The subcommands, one file each; each registers itself on the CLI11 app.
#pragma once

#include <CLI/CLI.hpp>

#include "tools/samp11/cli_common.h"

namespace samp11::cli {

// Each Add* function adds a subcommand whose callback stores its exit code in *exit_code.
void AddInitCommand(CLI::App& app, const GlobalOptions& global, int* exit_code);
void AddTokenCommand(CLI::App& app, const GlobalOptions& global, int* exit_code);
void AddSignerCommand(CLI::App& app, const GlobalOptions& global, int* exit_code);
// signer set-totp | set-ocra (cmd_signer_otp.cc), added by AddSignerCommand.
void AddSignerOtpCommands(CLI::App& signer, const GlobalOptions& global, int* exit_code);
void AddIssuerCommand(CLI::App& app, const GlobalOptions& global, int* exit_code);
void AddKeyCommand(CLI::App& app, const GlobalOptions& global, int* exit_code);
void AddCertCommand(CLI::App& app, const GlobalOptions& global, int* exit_code);
void AddSadCommand(CLI::App& app, const GlobalOptions& global, int* exit_code);
void AddAuditCommand(CLI::App& app, const GlobalOptions& global, int* exit_code);
void AddMetricsCommand(CLI::App& app, const GlobalOptions& global, int* exit_code);
void AddDeviceCommand(CLI::App& app, const GlobalOptions& global, int* exit_code);
// key disable|enable|destroy|info, signer disable|enable|remove, cert status: after the key,
// signer and cert commands exist.
void AddLifecycleCommands(CLI::App& app, const GlobalOptions& global, int* exit_code);
// key csr: after the key command exists.
void AddKeyCsrCommand(CLI::App& app, const GlobalOptions& global, int* exit_code);
void AddRotateCommand(CLI::App& app, const GlobalOptions& global, int* exit_code);
void AddBackupCommands(CLI::App& app, const GlobalOptions& global, int* exit_code);
void AddNodeCommand(CLI::App& app, const GlobalOptions& global, int* exit_code);
void AddMigrateCommand(CLI::App& app, const GlobalOptions& global, int* exit_code);

}  // namespace samp11::cli
