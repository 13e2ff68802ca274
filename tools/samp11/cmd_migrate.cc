// samp11 migrate: the token's state moved from where the config keeps it (--from: its keystore
// file, or its PostgreSQL schema) to a new place (--to: a PostgreSQL schema, or a keystore file),
// every MAC checked at both ends (Keystore::MigrateTo); the source is left as it was.
#include <pwd.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "state/postgres/pg_connection.h"
#include "tools/samp11/commands.h"

namespace samp11::cli {
namespace {

struct MigrateOptions {
  std::string to_database;  // a connection string: never printed (it may name more than needed)
  std::string schema = "samp11";
  std::string node;
  std::string to_keystore;
  bool switch_config = false;
};

// Where a token's state is, for messages and the audit record: never the connection string.
std::string Place(const TokenConfig& token) {
  if (!token.database) return "the keystore file " + token.keystore;
  return "schema " + token.database->schema + " of a PostgreSQL database (node " +
         NodeName(*token.database) + ")";
}

// Who runs the migration, for its audit record.
std::string Operator() {
  const uid_t uid = ::getuid();
  std::string who = "uid " + std::to_string(uid);
  struct passwd entry {};
  struct passwd* found = nullptr;
  char buffer[1024];
  if (::getpwuid_r(uid, &entry, buffer, sizeof buffer, &found) == 0 && found != nullptr) {
    who += " (" + std::string(found->pw_name) + ")";
  }
  return who;
}

// The target's entry in the config: where the copy is, the rest as the token had it.
std::string Snippet(const TokenConfig& target) {
  nlohmann::ordered_json entry;
  if (target.database) {
    nlohmann::ordered_json database;
    database["conninfo"] = "<the --to-database connection string>";
    database["schema"] = target.database->schema;
    if (!target.database->node.empty()) database["node"] = target.database->node;
    entry["database"] = std::move(database);
  } else {
    entry["keystore"] = target.keystore;
  }
  const std::string text = entry.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return text.substr(1, text.size() - 2);  // the member alone, to put in the token's entry
}

std::string Chains(const std::vector<std::string>& names,
                   const std::map<std::string, AnchorPoint>& heads) {
  std::string out;
  for (const std::string& name : names) {
    out += std::string(out.empty() ? "" : ", ") +
           (name.empty() ? "the keystore file's" : "node " + name + "'s") + " (up to record " +
           std::to_string(heads.at(name).seq) + ")";
  }
  return out.empty() ? "none" : out;
}

Status RunMigrate(const GlobalOptions& global, const MigrateOptions& o) {
  namespace fs = std::filesystem;
  if (o.to_database.empty() == o.to_keystore.empty()) {
    return Status(Code::kArgumentsBad, "give exactly one of --to-database and --to-keystore");
  }
  SAMP11_ASSIGN_OR_RETURN(TokenConfig token, ChooseToken(global));
  TokenConfig target = token;
  if (!o.to_database.empty()) {
    // Refused before anything is opened, without repeating the string.
    SAMP11_RETURN_IF_ERROR(PgCheckConninfo(o.to_database));
    if (!PgSchemaNameOk(o.schema)) {
      return Status(Code::kArgumentsBad,
                    "--schema: '" + o.schema + "' is not a schema name (a-z, 0-9, _; at most 63)");
    }
    DatabaseConfig database;
    if (token.database) database.timeout_seconds = token.database->timeout_seconds;
    database.conninfo = o.to_database;
    database.schema = o.schema;
    database.node = o.node;
    target.database = database;
    target.keystore.clear();
  } else {
    target.database.reset();
    target.keystore = fs::absolute(o.to_keystore).lexically_normal().string();
  }
  const std::string from = Place(token);
  const std::string to = Place(target);

  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> source, OpenTokenKeystore(token));
  SAMP11_ASSIGN_OR_RETURN(Keystore::MigrateReport report,
                          source->MigrateTo(*TokenLocation(target), token.master,
                                            from + ", by `samp11 migrate` as " + Operator()));
  source.reset();

  const ContentsFindings& c = report.copied;
  std::cout << "token '" << token.label << "' copied from " << from << " to " << to << "\n"
            << "  checked at both ends: " << c.signers << " signers, " << c.activation_keys
            << " activation keys, " << c.keys << " keys (" << c.destroyed_keys << " destroyed), "
            << c.certs << " certificates, " << c.pins << " PINs, " << c.otp << " OTP enrolments, "
            << c.spent_hashes << " spent hashes, " << c.deposits << " deposits\n"
            << "  audit chains carried: " << Chains(report.chains_carried, c.heads) << "\n";
  if (!report.chains_left.empty()) {
    std::vector<std::string> left;
    for (const auto& [name, head] : report.chains_left) left.push_back(name);
    std::cout << "  audit chains left in the source (a keystore file keeps one chain; their "
                 "heads are in the migrate record): "
              << Chains(left, report.chains_left) << "\n";
  }
  std::cout << "  the copy's own chain: "
            << (report.target_chain.empty() ? "the keystore file's"
                                            : "node " + report.target_chain + "'s")
            << ", migrate record " << report.migrate_record << "\n"
            << "  not carried: pending activation requests (each ends with the process "
               "waiting for it)\n"
            << "  the source is left as it was: let nothing sign with it any more (its spends "
               "would not reach the copy)\n";

  if (!o.switch_config) {
    std::cout << "  for the copy, token '" << token.label << "' in " << ConfPath(global)
              << " needs:\n    " << Snippet(target) << "\n"
              << "  (or run again with --switch)\n";
    if (token.rollback_anchor) {
      std::cout << "  the token has a rollback anchor: after the config names the copy, "
                   "`samp11 audit accept-rollback` moves it there\n";
    }
    return Status::Ok();
  }
  SAMP11_ASSIGN_OR_RETURN(ModuleConfig config, LoadConfig(ConfPath(global)));
  for (TokenConfig& t : config.tokens) {
    if (t.label != token.label) continue;
    t.keystore = target.keystore;
    t.database = target.database;
  }
  SAMP11_RETURN_IF_ERROR(SaveConfig(config, ConfPath(global)));
  std::cout << "  config " << ConfPath(global) << " now keeps token '" << token.label << "' in "
            << to << "\n";
  if (token.rollback_anchor) {
    // The anchor held the source's head; the copy's chain goes on from the migrate record. As
    // after a restore, it is moved there, recorded; the spends came along, so no SAD issued
    // before is refused for it.
    SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> copy, OpenTokenKeystore(target));
    Result<Keystore::RollbackAcceptance> accepted =
        copy->AcceptRollback("migration from " + from, /*refuse_earlier_sads=*/false);
    if (accepted.ok()) {
      std::cout << "  the rollback anchor (" << accepted->anchor << ") now holds audit record "
                << accepted->record << "\n";
    } else if (accepted.status().code() != Code::kArgumentsBad) {
      return accepted.status();
    }
  }
  return Status::Ok();
}

}  // namespace

void AddMigrateCommand(CLI::App& app, const GlobalOptions& global, int* exit_code) {
  auto o = std::make_shared<MigrateOptions>();
  CLI::App* cmd = app.add_subcommand(
      "migrate",
      "move the token's state --from where the config keeps it (a keystore FILE or a database) "
      "--to a new PostgreSQL schema (CONNINFO) or keystore file, every MAC checked at both ends; "
      "the source stays as it was");
  CLI::Option* database =
      cmd->add_option("--to-database", o->to_database,
                      "the PostgreSQL connection string to move it to (no password: .pgpass or a "
                      "service file); the schema must not exist yet");
  cmd->add_option("--schema", o->schema, "with --to-database: the token's new schema")
      ->capture_default_str()
      ->needs(database);
  cmd->add_option("--node", o->node,
                  "with --to-database: this node's name in the audit log (default: the host name)")
      ->needs(database);
  cmd->add_option("--to-keystore", o->to_keystore,
                  "the new SQLite keystore file to move it to (must not exist)")
      ->excludes(database);
  cmd->add_flag("--switch", o->switch_config,
                "then point the token's entry in the config at the copy (rewritten atomically)");
  cmd->callback([&global, o, exit_code] {
    Status s = RunMigrate(global, *o);
    *exit_code = s.ok() ? 0 : Fail(s);
  });
}

}  // namespace samp11::cli
