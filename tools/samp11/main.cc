// samp11: the operator's command line for a samp11 token (keystore, signers, keys, SADs).
#include <CLI/CLI.hpp>

#include <iostream>
#include <string>

#include "common/log.h"
#include "tools/samp11/cli_reference.h"
#include "tools/samp11/commands.h"

namespace {

constexpr char kExitStatus[] =
    "Exit status: 0 done; 1 refused, or a usage error; 2 a storage, integrity or internal fault; "
    "3 `audit verify` found problems (`device answer` has its own, see its --help).\n";

// The deepest subcommand the parse reached ("samp11 audit verify"), for the hint after an error.
const CLI::App* DeepestCommand(const CLI::App& app, std::string* path) {
  *path = "samp11";
  const CLI::App* at = &app;
  for (;;) {
    const std::vector<CLI::App*> chosen = at->get_subcommands();
    if (chosen.empty()) return at;
    at = chosen.front();
    *path += " " + at->get_name();
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace samp11::cli;
  CLI::App app{"samp11: administer a samp11 Signature Activation Module token"};
  app.set_version_flag("--version", std::string("samp11 ") + SAMP11_VERSION);
  app.footer(kExitStatus);
  // --conf and --token are accepted after the subcommand too (`samp11 key list --conf F`):
  // subcommands made after this inherit it and hand options they do not know to their parent.
  app.fallthrough();
  GlobalOptions global;
  app.add_option("--conf", global.conf,
                 "module config file (default: $SAMP11_CONF, else /etc/samp11/samp11.json)");
  app.add_option("--token", global.token, "token label (needed when the config has several)");
  app.require_subcommand(1);
  int exit_code = 0;
  AddInitCommand(app, global, &exit_code);
  AddTokenCommand(app, global, &exit_code);
  AddSignerCommand(app, global, &exit_code);
  AddIssuerCommand(app, global, &exit_code);
  AddKeyCommand(app, global, &exit_code);
  AddCertCommand(app, global, &exit_code);
  AddSadCommand(app, global, &exit_code);
  AddAuditCommand(app, global, &exit_code);
  AddMetricsCommand(app, global, &exit_code);
  AddDeviceCommand(app, global, &exit_code);
  AddLifecycleCommands(app, global, &exit_code);
  AddKeyCsrCommand(app, global, &exit_code);
  AddRotateCommand(app, global, &exit_code);
  AddBackupCommands(app, global, &exit_code);
  AddNodeCommand(app, global, &exit_code);
  AddMigrateCommand(app, global, &exit_code);
  // For the build (CMakeLists.txt): the manual page and the bash completion, from the tree above.
  if (argc == 2 && std::string(argv[1]) == "--man-page") {
    std::cout << ManPage(app, SAMP11_VERSION, kExitStatus);
    return 0;
  }
  if (argc == 2 && std::string(argv[1]) == "--bash-completion") {
    std::cout << BashCompletion(app);
    return 0;
  }
  // Before anything runs: a command whose log would be lost or misread must not start.
  if (samp11::Status logging = samp11::CheckLogSettings(); !logging.ok()) {
    std::cerr << "samp11: error: " << logging.message() << "\n";
    return 1;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" that succeed: CLI11 prints them.
    if (e.get_exit_code() == 0) return app.exit(e);
    std::string message = e.what();
    std::string command;
    const CLI::App* deepest = DeepestCommand(app, &command);
    // A mistyped command is otherwise reported as "A subcommand is required".
    const std::vector<std::string> left = app.remaining();
    if (deepest->get_require_subcommand_min() > 0 && !left.empty()) {
      const std::string parent = command == "samp11" ? "" : command.substr(7) + " ";
      message = "unknown command '" + parent + left.front() + "'";
    }
    std::cerr << "samp11: error: " << message << "\nRun '" << command
              << " --help' for its usage.\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "samp11: error: " << e.what() << "\n";
    return 2;
  }
  return exit_code;
}
