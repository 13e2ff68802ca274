// samp11: the operator's command line for a samp11 token (keystore, signers, keys, SADs).
#include <CLI/CLI.hpp>

#include <iostream>

#include "tools/samp11/commands.h"

int main(int argc, char** argv) {
  using namespace samp11::cli;
  CLI::App app{"samp11: administer a samp11 Signature Activation Module token"};
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
  AddDeviceCommand(app, global, &exit_code);
  AddLifecycleCommands(app, global, &exit_code);
  AddRotateCommand(app, global, &exit_code);
  AddBackupCommands(app, global, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::cerr << "samp11: error: " << e.what() << "\n";
    return 2;
  }
  return exit_code;
}
