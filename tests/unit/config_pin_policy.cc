// pin_max_tries and ocra_max_tries: how many wrong PINs (SCAL1 keys) or OCRA responses (OCRA
// SADs) in a row lock a signer.
#include <doctest/doctest.h>

#include "config/config.h"

namespace samp11 {
namespace {

Result<ModuleConfig> ParseWith(const std::string& extra) {
  return ParseConfig(R"({"tokens":[{"label":"demo","keystore":"demo.db",)"
                     R"("master_key_file":"demo.key")" +
                         extra + "}]}",
                     "/etc/samp11");
}

TEST_CASE("config: ocra_max_tries defaults to 5, takes 1..20 and round-trips") {
  auto plain = ParseWith("");
  REQUIRE(plain.ok());
  CHECK(plain->tokens[0].policy.ocra_max_tries == 5);
  for (int tries : {1, 3, 20}) {
    auto config = ParseWith(R"(,"ocra_max_tries":)" + std::to_string(tries));
    REQUIRE_MESSAGE(config.ok(), config.status().ToString());
    CHECK(config->tokens[0].policy.ocra_max_tries == tries);
    auto again = ParseConfig(ConfigToJson(*config), "/etc/samp11");
    REQUIRE(again.ok());
    CHECK(again->tokens[0].policy.ocra_max_tries == tries);
  }
  for (const char* bad : {"0", "21", "\"5\"", "true"}) {
    auto config = ParseWith(std::string(R"(,"ocra_max_tries":)") + bad);
    CHECK(config.status().code() == Code::kConfig);
  }
}

TEST_CASE("config: pin_max_tries defaults to 5, takes 1..20 and round-trips") {
  auto plain = ParseWith("");
  REQUIRE(plain.ok());
  CHECK(plain->tokens[0].policy.pin_max_tries == 5);
  for (int tries : {1, 3, 20}) {
    auto config = ParseWith(R"(,"pin_max_tries":)" + std::to_string(tries));
    REQUIRE_MESSAGE(config.ok(), config.status().ToString());
    CHECK(config->tokens[0].policy.pin_max_tries == tries);
    auto again = ParseConfig(ConfigToJson(*config), "/etc/samp11");
    REQUIRE(again.ok());
    CHECK(again->tokens[0].policy.pin_max_tries == tries);
  }
  for (const char* bad : {"0", "21", "-1", "3.0", "\"3\"", "true"}) {
    CAPTURE(bad);
    auto config = ParseWith(std::string(R"(,"pin_max_tries":)") + bad);
    REQUIRE_FALSE(config.ok());
    CHECK(config.status().code() == Code::kConfig);
    CHECK(config.status().message().find("pin_max_tries") != std::string::npos);
  }
}

}  // namespace
}  // namespace samp11
