// samp11 token info: what a SAD issuer needs to know about a token (its identity is the `aud`).
// samp11 token sad-provider: whom the token asks for a SAD when a signature has none.
#include <unistd.h>

#include <filesystem>
#include <functional>
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
    if (token.database) {
      j["database_schema"] = token.database->schema;
    } else {
      j["keystore"] = token.keystore;
    }
    std::cout << j.dump() << "\n";
  } else {
    std::cout << "label:    " << keystore->label() << "\n"
              << "identity: " << keystore->identity() << "\n"
              << (token.database ? "database: schema " + token.database->schema
                                 : "keystore: " + token.keystore)
              << "\n";
    if (token.sad_provider) {
      std::cout << "sad provider: " << token.sad_provider->type << ", "
                << token.sad_provider->timeout_seconds << " s";
      for (const std::string& arg : token.sad_provider->command) std::cout << " " << arg;
      std::cout << "\n";
    }
  }
  return Status::Ok();
}

// Rewrites the chosen token's entry in the configuration; the module reads it at C_Initialize.
Status EditToken(const GlobalOptions& global, const std::function<void(TokenConfig&)>& edit) {
  SAMP11_ASSIGN_OR_RETURN(TokenConfig chosen, ChooseToken(global));
  const std::string conf = ConfPath(global);
  SAMP11_ASSIGN_OR_RETURN(ModuleConfig config, LoadConfig(conf));
  for (TokenConfig& token : config.tokens) {
    if (token.label == chosen.label) edit(token);
  }
  // Round-trip through the parser: what is saved is what C_Initialize will accept.
  SAMP11_RETURN_IF_ERROR(ParseConfig(ConfigToJson(config), "").status());
  return SaveConfig(config, conf);
}

struct ProviderOptions {
  std::string type;
  std::vector<std::string> command;
  int64_t timeout = 120;
};

// Writes the chosen token's sad_provider into the configuration.
Status RunSetProvider(const GlobalOptions& global, const ProviderOptions& o) {
  std::optional<SadProviderConfig> provider;
  if (o.type != "none") {
    provider.emplace();
    provider->type = o.type;
    provider->command = o.command;
    provider->timeout_seconds = o.timeout;
    if (o.type == sad_provider::kExec && !provider->command.empty()) {
      // The module runs it from wherever the application was started: an absolute path.
      std::string& program = provider->command[0];
      program = std::filesystem::absolute(program).lexically_normal().string();
      if (::access(program.c_str(), X_OK) != 0) {
        return Status(Code::kArgumentsBad, program + " is not an executable program");
      }
    }
  }
  SAMP11_RETURN_IF_ERROR(
      EditToken(global, [&](TokenConfig& token) { token.sad_provider = provider; }));
  std::cout << "sad provider: " << o.type << "\n";
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

  auto o = std::make_shared<ProviderOptions>();
  CLI::App* provider = token->add_subcommand(
      "sad-provider",
      "whom to ask for a SAD when a SCAL2 signature has none: exec -- COMMAND..., deposit, none");
  provider->add_option("type", o->type, "exec | deposit | none")
      ->required()
      ->check(CLI::IsMember({"exec", "deposit", "none"}));
  provider->add_option("--timeout", o->timeout, "seconds to wait for the signer (1..3600)")
      ->capture_default_str();
  provider->add_option("command", o->command,
                       "exec: the device command and its arguments (absolute path), after --");
  provider->callback([&global, o, exit_code] {
    Status s = RunSetProvider(global, *o);
    *exit_code = s.ok() ? 0 : Fail(s);
  });

  auto on = std::make_shared<std::string>();
  CLI::App* path = token->add_subcommand(
      "protected-path",
      "advertise CKF_PROTECTED_AUTHENTICATION_PATH (consumers then log in with no PIN)");
  path->add_option("state", *on, "on | off")->required()->check(CLI::IsMember({"on", "off"}));
  path->callback([&global, on, exit_code] {
    Status s = EditToken(global, [&](TokenConfig& entry) {
      entry.policy.protected_authentication_path = *on == "on";
    });
    if (s.ok()) std::cout << "protected authentication path: " << *on << "\n";
    *exit_code = s.ok() ? 0 : Fail(s);
  });
}

}  // namespace samp11::cli
