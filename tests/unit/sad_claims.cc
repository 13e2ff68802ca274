#include <doctest/doctest.h>

#include <limits>

#include "sad_test_util.h"

namespace samp11 {
namespace {

Status Check(const SadClaims& claims, int64_t now, const SadTimePolicy& policy = SadTimePolicy()) {
  return CheckSadClaims(claims, kTestAud, now, policy);
}

TEST_CASE("time window and skew boundaries") {
  SadClaims claims = TestClaims();  // iat = now, exp = now + 120
  // SadTimePolicy defaults: skew 30, lifetime 300
  CHECK(Check(claims, kTestNow).ok());
  CHECK(Check(claims, claims.exp - 1).ok());
  CHECK(Check(claims, claims.exp).ok());  // within the skew
  CHECK(Check(claims, claims.exp + 29).ok());
  Status expired = Check(claims, claims.exp + 30);  // exactly exp + skew is expired
  CHECK(expired.code() == Code::kActivationExpired);
  CHECK(Check(claims, claims.exp + 100000).code() == Code::kActivationExpired);

  CHECK(Check(claims, claims.iat - 30).ok());  // iat - skew <= now
  Status early = Check(claims, claims.iat - 31);
  CHECK(early.code() == Code::kActivationInvalid);
  CHECK(early.message().find("not yet valid") != std::string::npos);

  SadTimePolicy no_skew;
  no_skew.clock_skew_seconds = 0;
  CHECK(Check(claims, claims.exp - 1, no_skew).ok());
  CHECK(Check(claims, claims.exp, no_skew).code() == Code::kActivationExpired);
  CHECK(Check(claims, claims.iat - 1, no_skew).code() == Code::kActivationInvalid);
}

TEST_CASE("lifetime") {
  SadClaims claims = TestClaims();
  claims.exp = claims.iat + 300;
  CHECK(Check(claims, kTestNow).ok());
  claims.exp = claims.iat + 301;
  Status too_long = Check(claims, kTestNow);
  CHECK(too_long.code() == Code::kActivationInvalid);
  CHECK(too_long.message().find("lifetime exceeds 300 s") != std::string::npos);
  claims.exp = claims.iat;
  Status zero = Check(claims, kTestNow);
  CHECK(zero.code() == Code::kActivationInvalid);
  CHECK(zero.message().find("exp is not after iat") != std::string::npos);
  claims.exp = claims.iat - 10;
  CHECK(Check(claims, kTestNow).code() == Code::kActivationInvalid);
  SadTimePolicy longer;
  longer.max_lifetime_seconds = 3600;
  claims.exp = claims.iat + 3600;
  CHECK(Check(claims, kTestNow, longer).ok());
}

TEST_CASE("audience") {
  SadClaims claims = TestClaims();
  CHECK(CheckSadClaims(claims, kTestAud, kTestNow, SadTimePolicy()).ok());
  Status wrong = CheckSadClaims(claims, "token-2", kTestNow, SadTimePolicy());
  CHECK(wrong.code() == Code::kActivationInvalid);
  CHECK(wrong.message().find("aud does not name this token") != std::string::npos);
  CHECK(CheckSadClaims(claims, "", kTestNow, SadTimePolicy()).code() == Code::kActivationInvalid);
  CHECK(CheckSadClaims(claims, "token-1 ", kTestNow, SadTimePolicy()).code() ==
        Code::kActivationInvalid);
}

TEST_CASE("number of hashes") {
  SadClaims claims = TestClaims();  // two hashes
  SadTimePolicy policy;
  policy.max_hashes = 2;
  CHECK(Check(claims, kTestNow, policy).ok());
  policy.max_hashes = 1;
  Status too_many = Check(claims, kTestNow, policy);
  CHECK(too_many.code() == Code::kActivationInvalid);
  CHECK(too_many.message().find("binds 2 hashes, the limit is 1") != std::string::npos);
}

TEST_CASE("extreme values neither overflow nor pass") {
  SadClaims claims = TestClaims();
  SadTimePolicy huge;
  huge.clock_skew_seconds = std::numeric_limits<int64_t>::max();
  huge.max_lifetime_seconds = std::numeric_limits<int64_t>::max();
  CHECK(Check(claims, kTestNow, huge).ok());
  claims.exp = std::numeric_limits<int64_t>::max();
  SadTimePolicy policy;
  CHECK(Check(claims, kTestNow, policy).code() == Code::kActivationInvalid);  // lifetime
  claims = TestClaims();
  CHECK(Check(claims, std::numeric_limits<int64_t>::max()).code() == Code::kActivationExpired);
  CHECK(Check(claims, std::numeric_limits<int64_t>::min()).code() == Code::kActivationInvalid);
}

TEST_CASE("an unusable policy is a configuration error") {
  SadTimePolicy negative_skew;
  negative_skew.clock_skew_seconds = -1;
  CHECK(Check(TestClaims(), kTestNow, negative_skew).code() == Code::kConfig);
  SadTimePolicy zero_lifetime;
  zero_lifetime.max_lifetime_seconds = 0;
  CHECK(Check(TestClaims(), kTestNow, zero_lifetime).code() == Code::kConfig);
}

}  // namespace
}  // namespace samp11
