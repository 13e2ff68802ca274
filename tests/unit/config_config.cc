#include <stdlib.h>
#include <sys/stat.h>

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "config/config.h"
#include "keystore_test_util.h"

namespace samp11 {
namespace {

using testing::TempDir;

Result<ModuleConfig> Parse(const std::string& text) { return ParseConfig(text, "/etc/samp11"); }

void CheckRefused(const std::string& text, const std::string& expected_fragment) {
  CAPTURE(text);
  auto config = Parse(text);
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().code() == Code::kConfig);
  CHECK_MESSAGE(config.status().message().find(expected_fragment) != std::string::npos,
                config.status().message());
}

// One token entry with the given extra members (a JSON fragment starting with a comma).
std::string OneToken(const std::string& extra,
                     const std::string& master = R"("master_key_file":"demo.key")") {
  return R"({"tokens":[{"label":"demo","keystore":"demo.db",)" + master + extra + "}]}";
}

TEST_CASE("config: a full configuration parses") {
  auto config = Parse(R"({
    "tokens": [
      {"label": "demo", "keystore": "demo.db", "master_key_file": "keys/demo.key",
       "sad": {"max_lifetime_seconds": 120, "clock_skew_seconds": 5, "max_hashes": 10},
       "allow_pkcs11_keygen": true},
      {"label": "prod", "keystore": "/var/lib/samp11/prod.db",
       "master_key_passphrase_env": "PROD_PASSPHRASE"}
    ]
  })");
  REQUIRE_MESSAGE(config.ok(), config.status().ToString());
  REQUIRE(config->tokens.size() == 2);
  const TokenConfig& demo = config->tokens[0];
  CHECK(demo.label == "demo");
  CHECK(demo.keystore == "/etc/samp11/demo.db");
  CHECK(demo.master.kind == MasterKeySource::Kind::kKeyFile);
  CHECK(demo.master.location == "/etc/samp11/keys/demo.key");
  CHECK(demo.policy.sad.max_lifetime_seconds == 120);
  CHECK(demo.policy.sad.clock_skew_seconds == 5);
  CHECK(demo.policy.sad.max_hashes == 10);
  CHECK(demo.policy.allow_pkcs11_keygen);

  const TokenConfig& prod = config->tokens[1];
  CHECK(prod.keystore == "/var/lib/samp11/prod.db");
  CHECK(prod.master.kind == MasterKeySource::Kind::kPassphraseEnv);
  CHECK(prod.master.location == "PROD_PASSPHRASE");  // a variable name, never a path
  CHECK(prod.policy.sad.max_lifetime_seconds == 300);
  CHECK(prod.policy.sad.clock_skew_seconds == 30);
  CHECK(prod.policy.sad.max_hashes == 100);
  CHECK_FALSE(prod.policy.allow_pkcs11_keygen);
}

TEST_CASE("config: the example configuration the package ships parses, with the service's paths") {
  auto config = LoadConfig(SAMP11_EXAMPLE_CONFIG);
  REQUIRE_MESSAGE(config.ok(), config.status().ToString());
  REQUIRE(config->tokens.size() == 1);
  const TokenConfig& token = config->tokens[0];
  CHECK(token.label == "signing");
  // docs/deployment.md's layout, which the package's tmpfiles and unit make and allow.
  CHECK(token.keystore == "/var/lib/samp11/signing.db");
  CHECK(token.master.kind == MasterKeySource::Kind::kKeyFile);
  CHECK(token.master.location == "/etc/samp11/signing.key");
  CHECK(token.policy.sad.max_lifetime_seconds == 300);
  CHECK(token.policy.require_certificate);
  CHECK_FALSE(token.policy.allow_pkcs11_keygen);
}

TEST_CASE("config: defaults for a partial sad object, and an empty token list") {
  auto config = Parse(OneToken(R"(,"sad":{"max_hashes":1})"));
  REQUIRE(config.ok());
  CHECK(config->tokens[0].policy.sad.max_hashes == 1);
  CHECK(config->tokens[0].policy.sad.max_lifetime_seconds == 300);
  auto empty = Parse(R"({"tokens":[]})");
  REQUIRE(empty.ok());
  CHECK(empty->tokens.empty());
}

TEST_CASE("config: relative paths resolve against the base folder, absolute ones stay") {
  auto config = ParseConfig(OneToken("", R"("master_key_file":"../keys/./k.key")"), "/srv/conf");
  REQUIRE(config.ok());
  CHECK(config->tokens[0].keystore == "/srv/conf/demo.db");
  CHECK(config->tokens[0].master.location == "/srv/keys/k.key");
  auto absolute = ParseConfig(
      R"({"tokens":[{"label":"a","keystore":"/x/a.db","master_key_file":"/y/a.key"}]})", "/srv");
  REQUIRE(absolute.ok());
  CHECK(absolute->tokens[0].keystore == "/x/a.db");
  CHECK(absolute->tokens[0].master.location == "/y/a.key");
}

TEST_CASE("config: unknown members are refused, naming the member") {
  CheckRefused(R"({"tokens":[],"debug":true})", "'debug'");
  CheckRefused(OneToken(R"(,"lable":"x")"), "'lable'");
  CheckRefused(OneToken(R"(,"sad":{"max_lifetime":60})"), "'max_lifetime'");
}

TEST_CASE("config: exactly one master key source") {
  CheckRefused(OneToken(R"(,"master_key_passphrase_env":"V")"), "exactly one");
  CheckRefused(R"({"tokens":[{"label":"demo","keystore":"demo.db"}]})", "exactly one");
}

TEST_CASE("config: wrong types are refused") {
  CheckRefused("[]", "object");
  CheckRefused("{", "not valid JSON");
  CheckRefused("{}", "tokens");
  CheckRefused(R"({"tokens":{}})", "array");
  CheckRefused(R"({"tokens":[1]})", "tokens[0]");
  CheckRefused(R"({"tokens":[{"label":5,"keystore":"d","master_key_file":"k"}]})", "label");
  CheckRefused(R"({"tokens":[{"label":"a","keystore":["d"],"master_key_file":"k"}]})", "keystore");
  CheckRefused(OneToken("", R"("master_key_file":true)"), "master_key_file");
  CheckRefused(OneToken("", R"("master_key_passphrase_env":"")"), "master_key_passphrase_env");
  CheckRefused(OneToken(R"(,"sad":[])"), "sad");
  CheckRefused(OneToken(R"(,"sad":{"max_hashes":"10"})"), "max_hashes");
  CheckRefused(OneToken(R"(,"sad":{"max_hashes":10.0})"), "max_hashes");
  CheckRefused(OneToken(R"(,"allow_pkcs11_keygen":"yes")"), "allow_pkcs11_keygen");
  CheckRefused(OneToken(R"(,"allow_pkcs11_keygen":1)"), "allow_pkcs11_keygen");
  CheckRefused(R"({"tokens":[{"keystore":"d","master_key_file":"k"}]})", "label");
  CheckRefused(R"({"tokens":[{"label":"a","master_key_file":"k"}]})", "keystore");
}

TEST_CASE("config: labels are unique and at most 32 bytes") {
  CheckRefused(R"({"tokens":[{"label":"a","keystore":"1","master_key_file":"k"},
                             {"label":"a","keystore":"2","master_key_file":"k"}]})",
               "'a'");
  CheckRefused(R"({"tokens":[{"label":")" + std::string(33, 'x') +
                   R"(","keystore":"1","master_key_file":"k"}]})",
               "32");
  CheckRefused(R"({"tokens":[{"label":"","keystore":"1","master_key_file":"k"}]})", "label");
  CHECK(Parse(R"({"tokens":[{"label":")" + std::string(32, 'x') +
              R"(","keystore":"1","master_key_file":"k"}]})")
            .ok());
}

TEST_CASE("config: numbers out of range are refused") {
  CheckRefused(OneToken(R"(,"sad":{"max_lifetime_seconds":0})"), "max_lifetime_seconds");
  CheckRefused(OneToken(R"(,"sad":{"max_lifetime_seconds":3601})"), "between 1 and 3600");
  CheckRefused(OneToken(R"(,"sad":{"clock_skew_seconds":-1})"), "clock_skew_seconds");
  CheckRefused(OneToken(R"(,"sad":{"clock_skew_seconds":301})"), "clock_skew_seconds");
  CheckRefused(OneToken(R"(,"sad":{"max_hashes":0})"), "max_hashes");
  CheckRefused(OneToken(R"(,"sad":{"max_hashes":1001})"), "max_hashes");
  CheckRefused(OneToken(R"(,"sad":{"max_hashes":18446744073709551615})"), "max_hashes");
  CHECK(Parse(OneToken(R"(,"sad":{"max_lifetime_seconds":3600,"clock_skew_seconds":0,)"
                       R"("max_hashes":1000})"))
            .ok());
}

TEST_CASE("config: ConfigPath follows SAMP11_CONF") {
  ::unsetenv("SAMP11_CONF");
  CHECK(ConfigPath() == kDefaultConfigPath);
  ::setenv("SAMP11_CONF", "/tmp/other.json", 1);
  CHECK(ConfigPath() == "/tmp/other.json");
  ::unsetenv("SAMP11_CONF");
}

TEST_CASE("config: save then load round trip, relative to the file's folder") {
  TempDir dir;
  ModuleConfig config;
  TokenConfig a;
  a.label = "a";
  a.keystore = dir.File("a.db");
  a.master.kind = MasterKeySource::Kind::kKeyFile;
  a.master.location = dir.File("a.key");
  a.policy.sad.max_lifetime_seconds = 60;
  a.policy.sad.clock_skew_seconds = 0;
  a.policy.sad.max_hashes = 7;
  a.policy.allow_pkcs11_keygen = true;
  TokenConfig b;
  b.label = "b";
  b.keystore = "/var/lib/samp11/b.db";
  b.master.kind = MasterKeySource::Kind::kPassphraseEnv;
  b.master.location = "B_PASSPHRASE";
  config.tokens = {a, b};

  std::string path = dir.File("samp11.json");
  REQUIRE(SaveConfig(config, path).ok());
  struct stat st;
  CHECK(::stat((path + ".tmp").c_str(), &st) != 0);  // the temporary was renamed away
  auto loaded = LoadConfig(path);
  REQUIRE_MESSAGE(loaded.ok(), loaded.status().ToString());
  REQUIRE(loaded->tokens.size() == 2);
  CHECK(loaded->tokens[0].label == "a");
  CHECK(loaded->tokens[0].keystore == a.keystore);
  CHECK(loaded->tokens[0].master.location == a.master.location);
  CHECK(loaded->tokens[0].policy.sad.max_lifetime_seconds == 60);
  CHECK(loaded->tokens[0].policy.sad.clock_skew_seconds == 0);
  CHECK(loaded->tokens[0].policy.sad.max_hashes == 7);
  CHECK(loaded->tokens[0].policy.allow_pkcs11_keygen);
  CHECK(loaded->tokens[1].master.kind == MasterKeySource::Kind::kPassphraseEnv);
  CHECK(loaded->tokens[1].master.location == "B_PASSPHRASE");
  CHECK(ConfigToJson(*loaded) == ConfigToJson(config));
  CHECK(ConfigToJson(config).find("\n  \"tokens\"") != std::string::npos);  // indented by 2

  // A hand-written file with relative paths resolves against its own folder.
  std::string hand = dir.File("hand.json");
  std::ofstream(hand) << OneToken("");
  auto relative = LoadConfig(hand);
  REQUIRE(relative.ok());
  CHECK(relative->tokens[0].keystore == dir.File("demo.db"));
  CHECK(relative->tokens[0].master.location == dir.File("demo.key"));

  // Saving over an existing file replaces it.
  config.tokens.pop_back();
  REQUIRE(SaveConfig(config, path).ok());
  CHECK(LoadConfig(path)->tokens.size() == 1);
}

TEST_CASE("config: load errors name the file") {
  TempDir dir;
  auto missing = LoadConfig(dir.File("none.json"));
  CHECK(missing.status().code() == Code::kConfig);
  CHECK(missing.status().message().find("none.json") != std::string::npos);
  std::string bad = dir.File("bad.json");
  std::ofstream(bad) << R"({"tokens":[],"x":1})";
  auto refused = LoadConfig(bad);
  CHECK(refused.status().code() == Code::kConfig);
  CHECK(refused.status().message().find("bad.json") != std::string::npos);
  CHECK(SaveConfig(ModuleConfig(), dir.File("no/such/dir/c.json")).code() == Code::kConfig);
}

}  // namespace
}  // namespace samp11

namespace samp11 {
namespace {

TEST_CASE("config: sad_provider, exec and deposit, round trip; refusals") {
  auto exec = Parse(OneToken(
      R"(,"sad_provider":{"type":"exec","command":["bin/device","answer","--x"],"timeout_seconds":60})"));
  REQUIRE_MESSAGE(exec.ok(), exec.status().ToString());
  REQUIRE(exec->tokens[0].sad_provider);
  const SadProviderConfig& e = *exec->tokens[0].sad_provider;
  CHECK(e.type == "exec");
  CHECK(e.command == std::vector<std::string>{"/etc/samp11/bin/device", "answer", "--x"});
  CHECK(e.timeout_seconds == 60);
  auto again = ParseConfig(ConfigToJson(*exec), "/elsewhere");
  REQUIRE(again.ok());
  CHECK(again->tokens[0].sad_provider->command == e.command);

  auto deposit = Parse(OneToken(R"(,"sad_provider":{"type":"deposit","poll_milliseconds":50})"));
  REQUIRE(deposit.ok());
  CHECK(deposit->tokens[0].sad_provider->type == "deposit");
  CHECK(deposit->tokens[0].sad_provider->poll_milliseconds == 50);
  CHECK(deposit->tokens[0].sad_provider->timeout_seconds == 120);
  CHECK_FALSE(Parse(OneToken("")).value().tokens[0].sad_provider);

  CheckRefused(OneToken(R"(,"sad_provider":{"type":"sms"})"), "must be \"exec\" or \"deposit\"");
  CheckRefused(OneToken(R"(,"sad_provider":{"type":"exec"})"), "has no 'command'");
  CheckRefused(OneToken(R"(,"sad_provider":{"type":"exec","command":[]})"), "non-empty array");
  CheckRefused(OneToken(R"(,"sad_provider":{"type":"exec","command":[1]})"), "strings only");
  CheckRefused(OneToken(R"(,"sad_provider":{"type":"deposit","command":["/x"]})"),
               "exec provider only");
  CheckRefused(OneToken(R"(,"sad_provider":{"type":"deposit","timeout_seconds":0})"),
               "between 1 and 3600");
  CheckRefused(OneToken(R"(,"sad_provider":{"type":"deposit","poll_milliseconds":1})"),
               "between 10 and 5000");
  CheckRefused(OneToken(R"(,"sad_provider":{"type":"deposit","timeout":5})"), "unknown member");
  auto relative =
      ParseConfig(OneToken(R"(,"sad_provider":{"type":"exec","command":["device"]})"), "");
  CHECK(relative.status().code() == Code::kConfig);
}

TEST_CASE("config: rollback_anchor, round trip; refusals") {
  auto config = Parse(OneToken(R"(,"rollback_anchor":{"file":"/srv/anchors/demo.anchor"})"));
  REQUIRE_MESSAGE(config.ok(), config.status().ToString());
  REQUIRE(config->tokens[0].rollback_anchor);
  CHECK(config->tokens[0].rollback_anchor->file == "/srv/anchors/demo.anchor");
  auto again = ParseConfig(ConfigToJson(*config), "/elsewhere");
  REQUIRE(again.ok());
  CHECK(again->tokens[0].rollback_anchor->file == "/srv/anchors/demo.anchor");
  auto relative = Parse(OneToken(R"(,"rollback_anchor":{"file":"../anchors/demo.anchor"})"));
  REQUIRE(relative.ok());
  CHECK(relative->tokens[0].rollback_anchor->file == "/etc/anchors/demo.anchor");
  CHECK_FALSE(Parse(OneToken("")).value().tokens[0].rollback_anchor);

  CheckRefused(OneToken(R"(,"rollback_anchor":"/srv/a")"), "rollback_anchor must be an object");
  CheckRefused(OneToken(R"(,"rollback_anchor":{})"), "exactly one of 'file' and 'pkcs11'");
  CheckRefused(OneToken(R"(,"rollback_anchor":{"file":""})"), "must not be empty");
  CheckRefused(OneToken(R"(,"rollback_anchor":{"file":"/a","path":"/b"})"), "unknown member");
  // In the inner token: only with one.
  const std::string backend =
      R"(,"pkcs11_backend":{"module":"/usr/lib/softhsm/libsofthsm2.so","token_label":"inner",)"
      R"("pin_file":"/etc/samp11/inner.pin"})";
  auto inner = Parse(OneToken(backend + R"(,"rollback_anchor":{"pkcs11":true})"));
  REQUIRE_MESSAGE(inner.ok(), inner.status().ToString());
  CHECK(inner->tokens[0].rollback_anchor->pkcs11);
  CHECK(inner->tokens[0].rollback_anchor->file.empty());
  auto inner_again = ParseConfig(ConfigToJson(*inner), "/elsewhere");
  REQUIRE(inner_again.ok());
  CHECK(inner_again->tokens[0].rollback_anchor->pkcs11);
  CheckRefused(OneToken(R"(,"rollback_anchor":{"pkcs11":true})"),
               "needs the token's pkcs11_backend");
  CheckRefused(OneToken(backend + R"(,"rollback_anchor":{"pkcs11":false})"), "must be true");
  CheckRefused(OneToken(backend + R"(,"rollback_anchor":{"pkcs11":true,"file":"/a"})"),
               "exactly one of 'file' and 'pkcs11'");
  // Among the keystore's own files it would be put back with them.
  for (const char* file : {"demo.db", "demo.db-anchor", "demo.db.anchor"}) {
    CheckRefused(OneToken(std::string(R"(,"rollback_anchor":{"file":")") + file + "\"}"),
                 "must not be the keystore or one of its files");
  }
}

TEST_CASE("config: a token in a PostgreSQL database instead of a file; refusals") {
  auto config = ParseConfig(R"({"tokens":[{"label":"demo","master_key_file":"demo.key",)"
                            R"("database":{"conninfo":"service=samp11","node":"node-a"}}]})",
                            "/etc");
  REQUIRE_MESSAGE(config.ok(), config.status().ToString());
  const TokenConfig& token = config->tokens[0];
  REQUIRE(token.database);
  CHECK(token.keystore.empty());
  CHECK(token.database->conninfo == "service=samp11");
  CHECK(token.database->schema == "samp11");
  CHECK(token.database->node == "node-a");
  CHECK(token.database->timeout_seconds == 5);
  auto again = ParseConfig(ConfigToJson(*config), "/elsewhere");
  REQUIRE(again.ok());
  CHECK(again->tokens[0].database->conninfo == "service=samp11");
  CHECK(again->tokens[0].database->node == "node-a");
  CHECK(again->tokens[0].keystore.empty());

  const std::string head = R"({"tokens":[{"label":"demo","master_key_file":"demo.key",)";
  CheckRefused(head + R"("keystore":"demo.db","database":{"conninfo":"x"}}]})",
               "exactly one of 'keystore' (a file) and 'database'");
  CheckRefused(head + R"("label2":1}]})", "unknown member");
  CheckRefused(R"({"tokens":[{"label":"demo","master_key_file":"demo.key"}]})",
               "exactly one of 'keystore' (a file) and 'database'");
  CheckRefused(head + R"("database":{}}]})", "has no 'conninfo'");
  CheckRefused(head + R"("database":{"conninfo":"x","password":"p"}}]})",
               "unknown member 'password'");
  CheckRefused(head + R"("database":{"conninfo":"x","timeout_seconds":0}}]})",
               "timeout_seconds must be between 1 and 300");
}

TEST_CASE("config: checkpoints, round trip with defaults; refusals") {
  auto config = Parse(OneToken(R"(,"checkpoints":{"file":"../log/demo.checkpoints"})"));
  REQUIRE_MESSAGE(config.ok(), config.status().ToString());
  REQUIRE(config->tokens[0].checkpoints);
  const CheckpointsConfig& file_only = *config->tokens[0].checkpoints;
  CHECK(file_only.file == "/etc/log/demo.checkpoints");
  CHECK(file_only.syslog_socket.empty());
  CHECK(file_only.every_records == 1000);
  CHECK(file_only.every_seconds == 300);
  CHECK_FALSE(Parse(OneToken("")).value().tokens[0].checkpoints);

  auto both = Parse(OneToken(
      R"(,"checkpoints":{"file":"/a","syslog":true,"every_records":50,"every_seconds":10})"));
  REQUIRE_MESSAGE(both.ok(), both.status().ToString());
  CHECK(both->tokens[0].checkpoints->syslog_socket == "/dev/log");
  auto again = ParseConfig(ConfigToJson(*both), "/elsewhere");
  REQUIRE(again.ok());
  CHECK(again->tokens[0].checkpoints->file == "/a");
  CHECK(again->tokens[0].checkpoints->syslog_socket == "/dev/log");
  CHECK(again->tokens[0].checkpoints->every_records == 50);
  CHECK(again->tokens[0].checkpoints->every_seconds == 10);
  auto socket = Parse(OneToken(R"(,"checkpoints":{"syslog":"/run/forwarder.sock"})"));
  REQUIRE(socket.ok());
  CHECK(socket->tokens[0].checkpoints->syslog_socket == "/run/forwarder.sock");
  auto socket_again = ParseConfig(ConfigToJson(*socket), "/elsewhere");
  REQUIRE(socket_again.ok());
  CHECK(socket_again->tokens[0].checkpoints->syslog_socket == "/run/forwarder.sock");

  CheckRefused(OneToken(R"(,"checkpoints":true)"), "checkpoints must be an object");
  CheckRefused(OneToken(R"(,"checkpoints":{})"), "names neither a 'file' nor 'syslog'");
  CheckRefused(OneToken(R"(,"checkpoints":{"syslog":false})"), "must be true or the path");
  CheckRefused(OneToken(R"(,"checkpoints":{"syslog":""})"), "must be true or the path");
  CheckRefused(OneToken(R"(,"checkpoints":{"file":"/a","every":5})"), "unknown member 'every'");
  CheckRefused(OneToken(R"(,"checkpoints":{"file":"/a","every_records":0})"),
               "every_records must be between 1 and");
  CheckRefused(OneToken(R"(,"checkpoints":{"file":"/a","every_seconds":86401})"),
               "every_seconds must be between 1 and 86400");
  CheckRefused(OneToken(R"(,"checkpoints":{"file":"demo.db-checkpoints"})"),
               "must not be the keystore or one of its files");
}

}  // namespace
}  // namespace samp11
