// RefusedLogins: the memory that ends NSS's login retry loops.
#include <doctest/doctest.h>

#include "sam/refused_logins.h"

namespace samp11 {
namespace {

const Status kInvalid(Code::kActivationInvalid, "bad signature");

TEST_CASE("refused logins: a verified refusal is remembered per scope and counted") {
  RefusedLogins refused;
  CHECK_FALSE(refused.Find("login-context/a1", "value"));
  refused.Remember("login-context/a1", "value", kInvalid);
  auto first = refused.Find("login-context/a1", "value");
  REQUIRE(first);
  CHECK(first->repeats == 1);
  CHECK(first->first.message() == "bad signature");
  CHECK(refused.Find("login-context/a1", "value")->repeats == 2);
  // Another key, another value, another kind of login: not a repeat.
  CHECK_FALSE(refused.Find("login-context/b2", "value"));
  CHECK_FALSE(refused.Find("login-context/a1", "value2"));
  CHECK_FALSE(refused.Find("login-user", "value"));
}

TEST_CASE("refused logins: faults that may pass are not remembered") {
  RefusedLogins refused;
  refused.Remember("s", "v", Status(Code::kStorage, "disk full"));
  refused.Remember("s", "w", Status(Code::kTampered, "edited"));
  refused.Remember("s", "x", Status::Ok());
  CHECK_FALSE(refused.Find("s", "v"));
  CHECK_FALSE(refused.Find("s", "w"));
  CHECK_FALSE(refused.Find("s", "x"));
  refused.Remember("s", "y", Status(Code::kActivationExpired, "expired"));
  CHECK(refused.Find("s", "y"));
}

TEST_CASE("refused logins: bounded; the oldest refusal is forgotten first") {
  RefusedLogins refused;
  refused.Remember("s", "oldest", kInvalid);
  for (size_t i = 0; i < RefusedLogins::kCapacity; ++i) {
    refused.Remember("s", "v" + std::to_string(i), kInvalid);
  }
  CHECK_FALSE(refused.Find("s", "oldest"));
  CHECK(refused.Find("s", "v0"));
}

TEST_CASE("refused logins: repeats worth a record are 1, 10, 100, ...") {
  CHECK(IsRepeatWorthRecording(1));
  CHECK_FALSE(IsRepeatWorthRecording(2));
  CHECK(IsRepeatWorthRecording(10));
  CHECK_FALSE(IsRepeatWorthRecording(11));
  CHECK(IsRepeatWorthRecording(100));
  CHECK(IsRepeatWorthRecording(100000));
  CHECK_FALSE(IsRepeatWorthRecording(20));
}

}  // namespace
}  // namespace samp11
