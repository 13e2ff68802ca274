// The inner token against a real SoftHSMv2 module: the configuration's form, a missing module,
// the token found by label or serial or absent, and two samp11 tokens on one module.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/unit/hsm_test_util.h"

namespace samp11::hsm_test {

TEST_SUITE("inner token") {
  TEST_CASE("the configuration's form is checked at creation") {
    InnerTokenConfig good;
    good.module = kSoftHsmModule;
    good.token_label = "inner";
    good.pin_file = "/nonexistent/pin";
    CHECK(InnerToken::Create(good).ok());
    InnerTokenConfig relative = good;
    relative.module = "libsofthsm2.so";
    CHECK(InnerToken::Create(relative).status().code() == Code::kConfig);
    InnerTokenConfig both = good;
    both.token_serial = "0123";
    CHECK(InnerToken::Create(both).status().code() == Code::kConfig);
    InnerTokenConfig neither = good;
    neither.token_label.clear();
    CHECK(InnerToken::Create(neither).status().code() == Code::kConfig);
    InnerTokenConfig no_pin = good;
    no_pin.pin_file.clear();
    CHECK(InnerToken::Create(no_pin).status().code() == Code::kConfig);
    InnerTokenConfig no_sessions = good;
    no_sessions.max_sessions = 0;
    CHECK(InnerToken::Create(no_sessions).status().code() == Code::kConfig);
    CHECK(NewToken(good)->Describe() == "token 'inner' of /usr/lib/softhsm/libsofthsm2.so");
  }

  TEST_CASE("a missing module is a device error naming the module, found on first use") {
    InnerTokenConfig config;
    config.module = "/nonexistent/libnothing.so";
    config.token_label = "inner";
    config.pin_file = "/nonexistent/pin";
    std::shared_ptr<InnerToken> token = NewToken(config);  // creation does not load it
    Result<std::vector<InnerKey>> found = token->FindPrivateKeys(NewId("x"));
    REQUIRE_FALSE(found.ok());
    CHECK(found.status().code() == Code::kDevice);
    CHECK(Contains(found.status().message(), "/nonexistent/libnothing.so"));
  }

  TEST_CASE("the token is found by its serial number too") {
    REQUIRE_SOFTHSM();
    if (hsm.inner_serial().empty()) {
      MESSAGE("serial of the SoftHSM token unknown; skipped");
      return;
    }
    InnerTokenConfig config = hsm.Config();
    config.token_label.clear();
    config.token_serial = hsm.inner_serial();
    std::shared_ptr<InnerToken> token = NewToken(config);
    Bytes id = NewId("by-serial");
    Result<InnerKey> made = token->GenerateKeyPair(KeyType::kEcP256, id, "by serial");
    REQUIRE_MESSAGE(made.ok(), made.status().ToString());
    SignAndVerify(*token, *made, "found by serial");
    CHECK(*token->DestroyObjects(id) == 2);
  }

  TEST_CASE("an absent token is kTokenNotPresent and the message lists the tokens seen") {
    REQUIRE_SOFTHSM();
    std::shared_ptr<InnerToken> token = NewToken(hsm.Config("no such token"));
    Result<InnerKey> made = token->GenerateKeyPair(KeyType::kEcP256, NewId("absent"), "x");
    REQUIRE_FALSE(made.ok());
    CHECK(made.status().code() == Code::kTokenNotPresent);
    CHECK(Contains(made.status().message(), "no such token"));
    CHECK(Contains(made.status().message(), "'inner'"));
  }

  TEST_CASE("two samp11 tokens share one module; the last one to go finalizes it") {
    REQUIRE_SOFTHSM();
    std::shared_ptr<InnerToken> a = NewToken(hsm.Config());
    std::shared_ptr<InnerToken> b = NewToken(hsm.Config());
    Result<InnerKey> made = a->GenerateKeyPair(KeyType::kEcP256, NewId("shared"), "shared");
    REQUIRE(made.ok());
    Result<std::vector<InnerKey>> seen = b->FindPrivateKeys(NewId("shared"));
    REQUIRE(seen.ok());
    REQUIRE(seen->size() == 1);
    a.reset();  // b's module and login stay
    SignAndVerify(*b, seen->front(), "still signs");
    CHECK(*b->DestroyObjects(NewId("shared")) == 2);
  }
}

}  // namespace samp11::hsm_test
