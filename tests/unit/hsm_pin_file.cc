// The inner token's PIN file: a wrong PIN is not offered again until the file changes, and a
// PIN file others can read, or that is not a file, is refused; the PIN never shows in a message.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/unit/hsm_test_util.h"

namespace samp11::hsm_test {

TEST_SUITE("inner token") {
  TEST_CASE("a wrong PIN is a device error that does not show the PIN, and is not retried") {
    REQUIRE_SOFTHSM();
    InnerTokenConfig config = hsm.Config("wrongpin");
    config.pin_file = hsm.dir() + "/wrong.pin";
    WriteFile(config.pin_file, std::string(kWrongPin) + "\n", 0600);
    std::shared_ptr<InnerToken> token = NewToken(config);
    Result<std::vector<InnerKey>> first = token->FindPrivateKeys(NewId("x"));
    REQUIRE_FALSE(first.ok());
    CHECK(first.status().code() == Code::kDevice);
    CHECK(Contains(first.status().message(), "CKR_PIN_INCORRECT"));
    CHECK(Contains(first.status().message(), "wrongpin"));
    CHECK_FALSE(Contains(first.status().message(), kWrongPin));
    Result<std::vector<InnerKey>> again = token->FindPrivateKeys(NewId("x"));
    REQUIRE_FALSE(again.ok());
    CHECK(again.status().code() == Code::kDevice);
    CHECK(Contains(again.status().message(), "not tried again"));
    CHECK_FALSE(Contains(again.status().message(), kWrongPin));
    // The operator fixes the file: the next call logs in.
    WriteFile(config.pin_file, std::string(kUserPin) + "\n", 0600);
    Result<std::vector<InnerKey>> fixed = token->FindPrivateKeys(NewId("x"));
    CHECK_MESSAGE(fixed.ok(), fixed.status().ToString());
  }

  TEST_CASE("a PIN file others can read, or that is not a file, is refused") {
    REQUIRE_SOFTHSM();
    InnerTokenConfig config = hsm.Config();
    config.pin_file = hsm.dir() + "/open.pin";
    WriteFile(config.pin_file, std::string(kUserPin) + "\n", 0644);
    Result<std::vector<InnerKey>> open = NewToken(config)->FindPrivateKeys(NewId("x"));
    REQUIRE_FALSE(open.ok());
    CHECK(open.status().code() == Code::kDevice);
    CHECK(Contains(open.status().message(), config.pin_file));
    CHECK_FALSE(Contains(open.status().message(), kUserPin));

    config.pin_file = hsm.dir() + "/tokens";  // a directory
    Result<std::vector<InnerKey>> dir = NewToken(config)->FindPrivateKeys(NewId("x"));
    CHECK(dir.status().code() == Code::kDevice);

    config.pin_file = hsm.dir() + "/missing.pin";
    Result<std::vector<InnerKey>> missing = NewToken(config)->FindPrivateKeys(NewId("x"));
    CHECK(missing.status().code() == Code::kDevice);

    config.pin_file = hsm.dir() + "/empty.pin";
    WriteFile(config.pin_file, "\n", 0600);
    Result<std::vector<InnerKey>> empty = NewToken(config)->FindPrivateKeys(NewId("x"));
    CHECK(empty.status().code() == Code::kDevice);
  }
}

}  // namespace samp11::hsm_test
