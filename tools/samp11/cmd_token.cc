// samp11 token info: what a SAD issuer needs to know about a token (its identity is the `aud`).
#include <iostream>

#include <nlohmann/json.hpp>

#include "tools/samp11/commands.h"

namespace samp11::cli {
namespace {

Status RunInfo(const GlobalOptions& global, bool json) {
  SAMP11_ASSIGN_OR_RETURN(TokenConfig token, ChooseToken(global));
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> keystore, OpenTokenKeystore(token));
  if (json) {
    nlohmann::ordered_json j;
    j["label"] = keystore->label();
    j["identity"] = keystore->identity();
    j["keystore"] = token.keystore;
    std::cout << j.dump() << "\n";
  } else {
    std::cout << "label:    " << keystore->label() << "\n"
              << "identity: " << keystore->identity() << "\n"
              << "keystore: " << token.keystore << "\n";
  }
  return Status::Ok();
}

}  // namespace

void AddTokenCommand(CLI::App& app, const GlobalOptions& global, int* exit_code) {
  CLI::App* token = app.add_subcommand("token", "token information");
  token->require_subcommand(1);
  auto json = std::make_shared<bool>(false);
  CLI::App* info = token->add_subcommand("info", "label and identity (the SAD audience)");
  info->add_flag("--json", *json, "print JSON");
  auto identity_only = std::make_shared<bool>(false);
  info->add_flag("--identity", *identity_only, "print only the identity");
  info->callback([&global, json, identity_only, exit_code] {
    if (*identity_only) {
      Result<std::unique_ptr<Keystore>> ks = OpenKeystore(global);
      if (!ks.ok()) {
        *exit_code = Fail(ks.status());
        return;
      }
      std::cout << (*ks)->identity() << "\n";
      *exit_code = 0;
      return;
    }
    Status s = RunInfo(global, *json);
    *exit_code = s.ok() ? 0 : Fail(s);
  });
}

}  // namespace samp11::cli
