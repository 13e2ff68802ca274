#include "config/config.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "common/syslog_socket.h"

namespace samp11 {
namespace {

using Json = nlohmann::json;

constexpr size_t kMaxTokenLabel = 32;  // CK_TOKEN_INFO.label

// Members of a token entry and of its "sad" object.
constexpr char kLabel[] = "label";
constexpr char kKeystore[] = "keystore";
constexpr char kDatabase[] = "database";
// Members of "database".
constexpr char kConninfo[] = "conninfo";
constexpr char kSchema[] = "schema";
constexpr char kNode[] = "node";
constexpr char kMasterKeyFile[] = "master_key_file";
constexpr char kMasterKeyPassphraseEnv[] = "master_key_passphrase_env";
constexpr char kSad[] = "sad";
constexpr char kAllowKeygen[] = "allow_pkcs11_keygen";
constexpr char kProtectedPath[] = "protected_authentication_path";
constexpr char kRequireCertificate[] = "require_certificate";
constexpr char kPinMaxTries[] = "pin_max_tries";
constexpr char kOcraMaxTries[] = "ocra_max_tries";
constexpr char kMaxLifetime[] = "max_lifetime_seconds";
constexpr char kClockSkew[] = "clock_skew_seconds";
constexpr char kMaxHashes[] = "max_hashes";
constexpr char kAudience[] = "audience";
constexpr char kKeyBackend[] = "key_backend";
constexpr char kPkcs11Backend[] = "pkcs11_backend";
// Members of "pkcs11_backend".
constexpr char kModule[] = "module";
constexpr char kTokenLabel[] = "token_label";
constexpr char kTokenSerial[] = "token_serial";
constexpr char kPinFile[] = "pin_file";
constexpr char kMaxSessions[] = "max_sessions";
constexpr char kSadProvider[] = "sad_provider";
constexpr char kRollbackAnchor[] = "rollback_anchor";
constexpr char kCheckpoints[] = "checkpoints";
// Members of "checkpoints" (and "file").
constexpr char kSyslog[] = "syslog";
constexpr char kEveryRecords[] = "every_records";
constexpr char kEverySeconds[] = "every_seconds";
// Members of "rollback_anchor".
constexpr char kFile[] = "file";
constexpr char kPkcs11[] = "pkcs11";
// Members of "sad_provider".
constexpr char kType[] = "type";
constexpr char kCommand[] = "command";
constexpr char kTimeout[] = "timeout_seconds";
constexpr char kPollMillis[] = "poll_milliseconds";

Status ConfigError(const std::string& message) { return Status(Code::kConfig, message); }

// A typo in a member name must not silently fall back to a default, so anything unknown stops
// the load.
Status CheckMembers(const Json& object, const std::string& where,
                    std::initializer_list<const char*> known) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    bool found = false;
    for (const char* name : known) found = found || it.key() == name;
    if (!found) return ConfigError("unknown member '" + it.key() + "' in " + where);
  }
  return Status::Ok();
}

Result<std::string> GetString(const Json& object, const char* name, const std::string& where) {
  const Json& value = object.at(name);
  if (!value.is_string()) return ConfigError(where + "." + name + " must be a string");
  std::string text = value.get<std::string>();
  if (text.empty()) return ConfigError(where + "." + name + " must not be empty");
  return text;
}

// Integers only: 300.0 or "300" is refused rather than guessed at.
Result<int64_t> GetInteger(const Json& object, const char* name, const std::string& where,
                           int64_t min, int64_t max) {
  const Json& value = object.at(name);
  const std::string range = where + "." + name + " must be between " + std::to_string(min) +
                            " and " + std::to_string(max);
  if (!value.is_number_integer()) return ConfigError(where + "." + name + " must be an integer");
  // nlohmann stores non-negative literals as unsigned; one beyond int64 is out of range anyway.
  if (value.is_number_unsigned() &&
      value.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return ConfigError(range);
  }
  int64_t v = value.get<int64_t>();
  if (v < min || v > max) return ConfigError(range);
  return v;
}

std::string Resolve(const std::string& path, const std::string& base_dir) {
  std::filesystem::path p(path);
  if (p.is_absolute() || base_dir.empty()) return path;
  return (std::filesystem::path(base_dir) / p).lexically_normal().string();
}

Status ParseSad(const Json& sad, const std::string& where, SadTimePolicy& policy) {
  if (!sad.is_object()) return ConfigError(where + " must be an object");
  SAMP11_RETURN_IF_ERROR(
      CheckMembers(sad, where, {kMaxLifetime, kClockSkew, kMaxHashes, kAudience}));
  if (sad.contains(kMaxLifetime)) {
    SAMP11_ASSIGN_OR_RETURN(policy.max_lifetime_seconds,
                            GetInteger(sad, kMaxLifetime, where, 1, 3600));
  }
  if (sad.contains(kClockSkew)) {
    SAMP11_ASSIGN_OR_RETURN(policy.clock_skew_seconds, GetInteger(sad, kClockSkew, where, 0, 300));
  }
  if (sad.contains(kMaxHashes)) {
    SAMP11_ASSIGN_OR_RETURN(int64_t max_hashes, GetInteger(sad, kMaxHashes, where, 1, 1000));
    policy.max_hashes = static_cast<size_t>(max_hashes);
  }
  if (sad.contains(kAudience)) {
    // The URI an authorization server puts in an access token's aud for this SAM: a SAD's
    // string rules (sad/rules.h), so that it can ever match.
    SAMP11_ASSIGN_OR_RETURN(policy.audience, GetString(sad, kAudience, where));
    bool printable = !policy.audience.empty() && policy.audience.size() <= 256;
    for (char c : policy.audience) {
      printable = printable && static_cast<unsigned char>(c) >= 0x20 && c != 0x7f;
    }
    if (!printable) {
      return ConfigError(where + "." + kAudience + " must be 1 to 256 bytes, no control character");
    }
  }
  return Status::Ok();
}

Result<InnerTokenConfig> ParsePkcs11Backend(const Json& object, const std::string& where,
                                            const std::string& base_dir) {
  if (!object.is_object()) return ConfigError(where + " must be an object");
  SAMP11_RETURN_IF_ERROR(
      CheckMembers(object, where, {kModule, kTokenLabel, kTokenSerial, kPinFile, kMaxSessions}));
  InnerTokenConfig inner;
  for (const char* required : {kModule, kPinFile}) {
    if (!object.contains(required)) return ConfigError(where + " has no '" + required + "'");
  }
  SAMP11_ASSIGN_OR_RETURN(std::string module, GetString(object, kModule, where));
  inner.module = Resolve(module, base_dir);
  SAMP11_ASSIGN_OR_RETURN(std::string pin_file, GetString(object, kPinFile, where));
  inner.pin_file = Resolve(pin_file, base_dir);
  bool has_label = object.contains(kTokenLabel);
  bool has_serial = object.contains(kTokenSerial);
  if (has_label == has_serial) {
    return ConfigError(where + " must have exactly one of token_label and token_serial");
  }
  if (has_label) {
    SAMP11_ASSIGN_OR_RETURN(inner.token_label, GetString(object, kTokenLabel, where));
  } else {
    SAMP11_ASSIGN_OR_RETURN(inner.token_serial, GetString(object, kTokenSerial, where));
  }
  if (object.contains(kMaxSessions)) {
    SAMP11_ASSIGN_OR_RETURN(int64_t sessions, GetInteger(object, kMaxSessions, where, 1, 1024));
    inner.max_sessions = static_cast<size_t>(sessions);
  }
  return inner;
}

Result<SadProviderConfig> ParseSadProvider(const Json& object, const std::string& where,
                                           const std::string& base_dir) {
  if (!object.is_object()) return ConfigError(where + " must be an object");
  SAMP11_RETURN_IF_ERROR(CheckMembers(object, where, {kType, kCommand, kTimeout, kPollMillis}));
  if (!object.contains(kType)) return ConfigError(where + " has no 'type'");
  SadProviderConfig provider;
  SAMP11_ASSIGN_OR_RETURN(provider.type, GetString(object, kType, where));
  if (provider.type != sad_provider::kExec && provider.type != sad_provider::kDeposit) {
    return ConfigError(where + ".type must be \"exec\" or \"deposit\"");
  }
  if (provider.type == sad_provider::kExec) {
    if (!object.contains(kCommand)) return ConfigError(where + " (exec) has no 'command'");
    const Json& command = object.at(kCommand);
    if (!command.is_array() || command.empty()) {
      return ConfigError(where + ".command must be a non-empty array of strings");
    }
    for (const Json& arg : command) {
      if (!arg.is_string()) return ConfigError(where + ".command must hold strings only");
      provider.command.push_back(arg.get<std::string>());
    }
    if (provider.command[0].empty()) return ConfigError(where + ".command[0] must not be empty");
    // The program, like every path of the configuration, may be relative to its folder.
    provider.command[0] = Resolve(provider.command[0], base_dir);
    if (provider.command[0][0] != '/') {
      return ConfigError(where + ".command[0] must be an absolute path");
    }
  } else if (object.contains(kCommand)) {
    return ConfigError(where + ".command is for the exec provider only");
  }
  if (object.contains(kTimeout)) {
    SAMP11_ASSIGN_OR_RETURN(provider.timeout_seconds, GetInteger(object, kTimeout, where, 1, 3600));
  }
  if (object.contains(kPollMillis)) {
    SAMP11_ASSIGN_OR_RETURN(provider.poll_milliseconds,
                            GetInteger(object, kPollMillis, where, 10, 5000));
  }
  return provider;
}

// Whether path is the keystore or one of the files beside it that belong to it (journal, WAL): a
// copy of those put back would take path back with them.
bool IsKeystoreFile(const std::string& path, const std::string& keystore) {
  if (keystore.empty()) return false;  // the state is in a database
  return path == keystore || path.rfind(keystore + "-", 0) == 0 ||
         path.rfind(keystore + ".", 0) == 0;
}

// The schema and node names are checked where they are used (state/postgres/), which knows
// PostgreSQL's rules; a password in the connection string is refused there too.
Result<DatabaseConfig> ParseDatabase(const Json& object, const std::string& where) {
  if (!object.is_object()) return ConfigError(where + " must be an object");
  SAMP11_RETURN_IF_ERROR(CheckMembers(object, where, {kConninfo, kSchema, kNode, kTimeout}));
  if (!object.contains(kConninfo)) return ConfigError(where + " has no 'conninfo'");
  DatabaseConfig config;
  SAMP11_ASSIGN_OR_RETURN(config.conninfo, GetString(object, kConninfo, where));
  if (object.contains(kSchema)) {
    SAMP11_ASSIGN_OR_RETURN(config.schema, GetString(object, kSchema, where));
  }
  if (object.contains(kNode)) {
    SAMP11_ASSIGN_OR_RETURN(config.node, GetString(object, kNode, where));
  }
  if (object.contains(kTimeout)) {
    SAMP11_ASSIGN_OR_RETURN(config.timeout_seconds, GetInteger(object, kTimeout, where, 1, 300));
  }
  return config;
}

Result<CheckpointsConfig> ParseCheckpoints(const Json& object, const std::string& where,
                                           const std::string& keystore,
                                           const std::string& base_dir) {
  if (!object.is_object()) return ConfigError(where + " must be an object");
  SAMP11_RETURN_IF_ERROR(
      CheckMembers(object, where, {kFile, kSyslog, kEveryRecords, kEverySeconds}));
  CheckpointsConfig config;
  if (object.contains(kFile)) {
    SAMP11_ASSIGN_OR_RETURN(config.file, GetString(object, kFile, where));
    config.file = Resolve(config.file, base_dir);
    if (IsKeystoreFile(config.file, keystore)) {
      return ConfigError(where + ".file must not be the keystore or one of its files");
    }
  }
  if (object.contains(kSyslog)) {
    const Json& syslog = object.at(kSyslog);
    if (syslog.is_boolean() && syslog.get<bool>()) {
      config.syslog_socket = kDefaultSyslogSocket;
    } else if (syslog.is_string() && !syslog.get<std::string>().empty()) {
      config.syslog_socket = syslog.get<std::string>();
    } else {
      return ConfigError(where + ".syslog must be true or the path of a syslog socket");
    }
  }
  if (config.file.empty() && config.syslog_socket.empty()) {
    return ConfigError(where + " names neither a 'file' nor 'syslog' to send them to");
  }
  if (object.contains(kEveryRecords)) {
    SAMP11_ASSIGN_OR_RETURN(config.every_records,
                            GetInteger(object, kEveryRecords, where, 1, 100000000));
  }
  if (object.contains(kEverySeconds)) {
    SAMP11_ASSIGN_OR_RETURN(config.every_seconds,
                            GetInteger(object, kEverySeconds, where, 1, 86400));
  }
  return config;
}

Result<TokenConfig> ParseToken(const Json& entry, const std::string& where,
                               const std::string& base_dir) {
  if (!entry.is_object()) return ConfigError(where + " must be an object");
  SAMP11_RETURN_IF_ERROR(CheckMembers(
      entry, where,
      {kLabel, kKeystore, kDatabase, kMasterKeyFile, kMasterKeyPassphraseEnv, kSad, kAllowKeygen,
       kProtectedPath, kPinMaxTries, kOcraMaxTries, kKeyBackend, kPkcs11Backend,
       kRequireCertificate, kSadProvider, kRollbackAnchor, kCheckpoints}));
  TokenConfig token;
  if (!entry.contains(kLabel)) return ConfigError(where + " has no 'label'");
  if (entry.contains(kKeystore) == entry.contains(kDatabase)) {
    return ConfigError(where + " names exactly one of 'keystore' (a file) and 'database'");
  }
  SAMP11_ASSIGN_OR_RETURN(token.label, GetString(entry, kLabel, where));
  if (token.label.size() > kMaxTokenLabel) {
    return ConfigError(where + ".label must be at most 32 bytes");
  }
  if (entry.contains(kKeystore)) {
    SAMP11_ASSIGN_OR_RETURN(std::string keystore, GetString(entry, kKeystore, where));
    token.keystore = Resolve(keystore, base_dir);
  } else {
    SAMP11_ASSIGN_OR_RETURN(token.database,
                            ParseDatabase(entry.at(kDatabase), where + "." + kDatabase));
  }

  bool has_file = entry.contains(kMasterKeyFile);
  bool has_env = entry.contains(kMasterKeyPassphraseEnv);
  if (has_file == has_env) {
    return ConfigError(where + " must have exactly one of master_key_file and " +
                       "master_key_passphrase_env");
  }
  if (has_file) {
    token.master.kind = MasterKeySource::Kind::kKeyFile;
    SAMP11_ASSIGN_OR_RETURN(std::string file, GetString(entry, kMasterKeyFile, where));
    token.master.location = Resolve(file, base_dir);
  } else {
    token.master.kind = MasterKeySource::Kind::kPassphraseEnv;
    SAMP11_ASSIGN_OR_RETURN(token.master.location,
                            GetString(entry, kMasterKeyPassphraseEnv, where));
  }

  if (entry.contains(kSad)) {
    SAMP11_RETURN_IF_ERROR(ParseSad(entry.at(kSad), where + ".sad", token.policy.sad));
  }
  if (entry.contains(kAllowKeygen)) {
    const Json& allow = entry.at(kAllowKeygen);
    if (!allow.is_boolean()) return ConfigError(where + ".allow_pkcs11_keygen must be a boolean");
    token.policy.allow_pkcs11_keygen = allow.get<bool>();
  }
  if (entry.contains(kRequireCertificate)) {
    const Json& require = entry.at(kRequireCertificate);
    if (!require.is_boolean()) {
      return ConfigError(where + ".require_certificate must be a boolean");
    }
    token.policy.require_certificate = require.get<bool>();
  }
  if (entry.contains(kProtectedPath)) {
    const Json& path = entry.at(kProtectedPath);
    if (!path.is_boolean()) {
      return ConfigError(where + ".protected_authentication_path must be a boolean");
    }
    token.policy.protected_authentication_path = path.get<bool>();
  }
  if (entry.contains(kPinMaxTries)) {
    SAMP11_ASSIGN_OR_RETURN(int64_t tries, GetInteger(entry, kPinMaxTries, where, 1, 20));
    token.policy.pin_max_tries = static_cast<int>(tries);
  }
  if (entry.contains(kOcraMaxTries)) {
    SAMP11_ASSIGN_OR_RETURN(int64_t tries, GetInteger(entry, kOcraMaxTries, where, 1, 20));
    token.policy.ocra_max_tries = static_cast<int>(tries);
  }
  if (entry.contains(kPkcs11Backend)) {
    SAMP11_ASSIGN_OR_RETURN(
        token.pkcs11_backend,
        ParsePkcs11Backend(entry.at(kPkcs11Backend), where + ".pkcs11_backend", base_dir));
  }
  if (entry.contains(kSadProvider)) {
    SAMP11_ASSIGN_OR_RETURN(
        token.sad_provider,
        ParseSadProvider(entry.at(kSadProvider), where + ".sad_provider", base_dir));
  }
  if (entry.contains(kRollbackAnchor)) {
    const Json& anchor = entry.at(kRollbackAnchor);
    const std::string anchor_where = where + ".rollback_anchor";
    if (!anchor.is_object()) return ConfigError(anchor_where + " must be an object");
    SAMP11_RETURN_IF_ERROR(CheckMembers(anchor, anchor_where, {kFile, kPkcs11}));
    RollbackAnchorConfig config;
    if (anchor.contains(kPkcs11)) {
      if (!anchor.at(kPkcs11).is_boolean() || !anchor.at(kPkcs11).get<bool>()) {
        return ConfigError(anchor_where + ".pkcs11 must be true (or leave it out)");
      }
      if (!token.pkcs11_backend) {
        return ConfigError(anchor_where + ".pkcs11 needs the token's pkcs11_backend");
      }
      config.pkcs11 = true;
    }
    if (anchor.contains(kFile) == config.pkcs11) {
      return ConfigError(anchor_where + " names exactly one of 'file' and 'pkcs11'");
    }
    if (!config.pkcs11) {
      SAMP11_ASSIGN_OR_RETURN(std::string file, GetString(anchor, kFile, anchor_where));
      if (file.empty()) return ConfigError(anchor_where + ".file must not be empty");
      config.file = Resolve(file, base_dir);
      if (IsKeystoreFile(config.file, token.keystore)) {
        return ConfigError(anchor_where +
                           ".file must not be the keystore or one of its files: a copy of "
                           "them put back would take the anchor back too");
      }
    }
    token.rollback_anchor = std::move(config);
  }
  if (entry.contains(kCheckpoints)) {
    SAMP11_ASSIGN_OR_RETURN(token.checkpoints,
                            ParseCheckpoints(entry.at(kCheckpoints), where + "." + kCheckpoints,
                                             token.keystore, base_dir));
  }
  if (entry.contains(kKeyBackend)) {
    SAMP11_ASSIGN_OR_RETURN(token.key_backend, GetString(entry, kKeyBackend, where));
    if (token.key_backend != "file" && token.key_backend != "pkcs11") {
      return ConfigError(where + ".key_backend must be \"file\" or \"pkcs11\"");
    }
    if (token.key_backend == "pkcs11" && !token.pkcs11_backend) {
      return ConfigError(where + ".key_backend is \"pkcs11\" but there is no pkcs11_backend");
    }
  }
  return token;
}

Status WriteAll(int fd, const std::string& text) {
  const char* data = text.data();
  size_t size = text.size();
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status(Code::kConfig, std::strerror(errno));
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return Status::Ok();
}

}  // namespace

std::string ConfigPath() {
  const char* path = std::getenv("SAMP11_CONF");
  if (path != nullptr && *path != '\0') return path;
  return kDefaultConfigPath;
}

Result<ModuleConfig> ParseConfig(const std::string& json_text, const std::string& base_dir) {
  Json root = Json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return ConfigError("the configuration is not valid JSON");
  if (!root.is_object()) return ConfigError("the configuration must be a JSON object");
  SAMP11_RETURN_IF_ERROR(CheckMembers(root, "the configuration", {"tokens"}));
  if (!root.contains("tokens")) return ConfigError("the configuration has no 'tokens'");
  const Json& tokens = root.at("tokens");
  if (!tokens.is_array()) return ConfigError("tokens must be an array");

  ModuleConfig config;
  std::set<std::string> labels;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::string where = "tokens[" + std::to_string(i) + "]";
    SAMP11_ASSIGN_OR_RETURN(TokenConfig token, ParseToken(tokens.at(i), where, base_dir));
    if (!labels.insert(token.label).second) {
      return ConfigError("token label '" + token.label + "' appears more than once");
    }
    config.tokens.push_back(std::move(token));
  }
  return config;
}

Result<ModuleConfig> LoadConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return ConfigError("cannot read configuration " + path + ": " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return ConfigError("cannot read configuration " + path);
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(path, ec);
  if (ec) return ConfigError("cannot resolve configuration path " + path + ": " + ec.message());
  Result<ModuleConfig> config = ParseConfig(text.str(), absolute.parent_path().string());
  if (!config.ok()) return ConfigError(path + ": " + config.status().message());
  return config;
}

std::string ConfigToJson(const ModuleConfig& config) {
  // ordered_json keeps the members in the order a person would write them.
  nlohmann::ordered_json tokens = nlohmann::ordered_json::array();
  for (const TokenConfig& token : config.tokens) {
    nlohmann::ordered_json entry;
    entry[kLabel] = token.label;
    if (token.database) {
      nlohmann::ordered_json database;
      database[kConninfo] = token.database->conninfo;
      database[kSchema] = token.database->schema;
      if (!token.database->node.empty()) database[kNode] = token.database->node;
      database[kTimeout] = token.database->timeout_seconds;
      entry[kDatabase] = std::move(database);
    } else {
      entry[kKeystore] = token.keystore;
    }
    if (token.master.kind == MasterKeySource::Kind::kKeyFile) {
      entry[kMasterKeyFile] = token.master.location;
    } else {
      entry[kMasterKeyPassphraseEnv] = token.master.location;
    }
    nlohmann::ordered_json sad;
    sad[kMaxLifetime] = token.policy.sad.max_lifetime_seconds;
    sad[kClockSkew] = token.policy.sad.clock_skew_seconds;
    sad[kMaxHashes] = token.policy.sad.max_hashes;
    entry[kSad] = std::move(sad);
    entry[kAllowKeygen] = token.policy.allow_pkcs11_keygen;
    entry[kProtectedPath] = token.policy.protected_authentication_path;
    entry[kRequireCertificate] = token.policy.require_certificate;
    entry[kPinMaxTries] = token.policy.pin_max_tries;
    entry[kOcraMaxTries] = token.policy.ocra_max_tries;
    entry[kKeyBackend] = token.key_backend;
    if (token.pkcs11_backend) {
      const InnerTokenConfig& inner = *token.pkcs11_backend;
      nlohmann::ordered_json backend;
      backend[kModule] = inner.module;
      if (!inner.token_label.empty()) backend[kTokenLabel] = inner.token_label;
      if (!inner.token_serial.empty()) backend[kTokenSerial] = inner.token_serial;
      backend[kPinFile] = inner.pin_file;
      backend[kMaxSessions] = inner.max_sessions;
      entry[kPkcs11Backend] = std::move(backend);
    }
    if (token.sad_provider) {
      const SadProviderConfig& provider = *token.sad_provider;
      nlohmann::ordered_json p;
      p[kType] = provider.type;
      if (provider.type == sad_provider::kExec) p[kCommand] = provider.command;
      p[kTimeout] = provider.timeout_seconds;
      if (provider.type == sad_provider::kDeposit) p[kPollMillis] = provider.poll_milliseconds;
      entry[kSadProvider] = std::move(p);
    }
    if (token.rollback_anchor) {
      nlohmann::ordered_json anchor;
      if (token.rollback_anchor->pkcs11) {
        anchor[kPkcs11] = true;
      } else {
        anchor[kFile] = token.rollback_anchor->file;
      }
      entry[kRollbackAnchor] = std::move(anchor);
    }
    if (token.checkpoints) {
      const CheckpointsConfig& checkpoints = *token.checkpoints;
      nlohmann::ordered_json c;
      if (!checkpoints.file.empty()) c[kFile] = checkpoints.file;
      if (checkpoints.syslog_socket == kDefaultSyslogSocket) {
        c[kSyslog] = true;
      } else if (!checkpoints.syslog_socket.empty()) {
        c[kSyslog] = checkpoints.syslog_socket;
      }
      c[kEveryRecords] = checkpoints.every_records;
      c[kEverySeconds] = checkpoints.every_seconds;
      entry[kCheckpoints] = std::move(c);
    }
    tokens.push_back(std::move(entry));
  }
  nlohmann::ordered_json root;
  root["tokens"] = std::move(tokens);
  return root.dump(2) + "\n";
}

Status SaveConfig(const ModuleConfig& config, const std::string& path) {
  const std::string text = ConfigToJson(config);
  const std::string tmp = path + ".tmp";
  // The configuration holds paths and variable names, never a secret: readable by the processes
  // that load the module.
  int fd = ::open(tmp.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) return ConfigError("cannot write " + tmp + ": " + std::strerror(errno));
  Status written = WriteAll(fd, text);
  if (written.ok() && ::fsync(fd) != 0) written = ConfigError(std::strerror(errno));
  if (::close(fd) != 0 && written.ok()) written = ConfigError(std::strerror(errno));
  if (!written.ok()) {
    ::unlink(tmp.c_str());
    return ConfigError("cannot write " + tmp + ": " + written.message());
  }
  // rename is atomic: a reader sees the old file or the new one, never half of either.
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return ConfigError("cannot replace " + path + ": " + std::strerror(err));
  }
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    // Makes the rename itself durable.
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return Status::Ok();
}

}  // namespace samp11
