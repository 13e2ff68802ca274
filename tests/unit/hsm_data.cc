// samp11's own data objects on the inner token (InnerToken::ReadData/WriteData, the rollback
// anchor's place): made on first write, replaced whole, seen by another connection, private.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/unit/hsm_test_util.h"

namespace samp11::hsm_test {

TEST_SUITE("inner token") {
  TEST_CASE("a data object is made on first write, replaced, and read by another session") {
    REQUIRE_SOFTHSM();
    std::shared_ptr<InnerToken> token = NewToken(hsm.Config());
    const std::string app = "samp11 test data";
    const std::string label = "data-" + HexEncode(NewId("data"));
    auto none = token->ReadData(app, label);
    REQUIRE_MESSAGE(none.ok(), none.status().ToString());
    CHECK(none->empty());

    REQUIRE(token->WriteData(app, label, Bytes(128, 0x11)).ok());
    auto first = token->ReadData(app, label);
    REQUIRE(first.ok());
    REQUIRE(first->size() == 1);
    CHECK(first->front() == Bytes(128, 0x11));

    REQUIRE(token->WriteData(app, label, Bytes(128, 0x22)).ok());
    // Another connection (as another process would have) sees the new value, in one object.
    std::shared_ptr<InnerToken> other = NewToken(hsm.Config());
    auto second = other->ReadData(app, label);
    REQUIRE_MESSAGE(second.ok(), second.status().ToString());
    REQUIRE(second->size() == 1);
    CHECK(second->front() == Bytes(128, 0x22));

    // Objects are told apart by application and label.
    auto elsewhere = token->ReadData(app, label + "-other");
    REQUIRE(elsewhere.ok());
    CHECK(elsewhere->empty());
    auto other_app = token->ReadData("another application", label);
    REQUIRE(other_app.ok());
    CHECK(other_app->empty());
  }

  TEST_CASE("a token the module cannot log in to reads and writes no data object") {
    REQUIRE_SOFTHSM();
    InnerTokenConfig config = hsm.Config("wrongpin");
    config.pin_file = hsm.dir() + "/wrong-data.pin";
    WriteFile(config.pin_file, std::string(kWrongPin) + "\n", 0600);
    std::shared_ptr<InnerToken> token = NewToken(config);
    auto read = token->ReadData("samp11 test data", "x");
    REQUIRE_FALSE(read.ok());
    CHECK(read.status().code() == Code::kDevice);
    CHECK(token->WriteData("samp11 test data", "x", Bytes(4, 1)).code() == Code::kDevice);
  }
}

}  // namespace samp11::hsm_test
