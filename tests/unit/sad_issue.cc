#include <doctest/doctest.h>

#include "sad_test_util.h"

namespace samp11 {
namespace {

Code IssueCode(const SadClaims& claims, std::string_view kid = kTestKid,
               KeyType type = KeyType::kEcP256) {
  return IssueSad(claims, kid, TestKey(type)).status().code();
}

TEST_CASE("IssueSad refuses what ParseSad would refuse") {
  SadClaims claims = TestClaims();
  SUBCASE("no hashes") { claims.hashes.clear(); }
  SUBCASE("hash of the wrong size") { claims.hashes[1].pop_back(); }
  SUBCASE("hash size of another algorithm") { claims.hash_alg = HashAlg::kSha384; }
  SUBCASE("duplicate hashes") { claims.hashes[1] = claims.hashes[0]; }
  SUBCASE("empty sub") { claims.sub.clear(); }
  SUBCASE("long iss") { claims.iss = std::string(257, 'i'); }
  SUBCASE("long jti") { claims.jti = std::string(129, 'j'); }
  SUBCASE("control character") { claims.aud = "token\n1"; }
  SUBCASE("upper-case credentialID") { claims.credential_id = "0A1B"; }
  SUBCASE("odd credentialID") { claims.credential_id = "0a1"; }
  SUBCASE("negative iat") { claims.iat = -5; }
  SUBCASE("not UTF-8") { claims.sub = "alice\xff"; }
  SUBCASE("longer than kMaxSadLength") {
    claims.hash_alg = HashAlg::kSha512;
    claims.hashes.clear();
    for (int i = 0; i < 200; ++i) {
      claims.hashes.push_back(Digest(HashAlg::kSha512, ToBytes(std::to_string(i))));
    }
  }
  CHECK(IssueCode(claims) == Code::kArgumentsBad);
}

TEST_CASE("IssueSad refuses a bad kid or key") {
  CHECK(IssueCode(TestClaims(), "") == Code::kArgumentsBad);
  CHECK(IssueCode(TestClaims(), std::string(257, 'k')) == Code::kArgumentsBad);
  CHECK(IssueCode(TestClaims(), kTestKid, KeyType::kRsa2048) == Code::kArgumentsBad);
}

TEST_CASE("IssueSad output never exceeds what ParseSad accepts") {
  SadClaims claims = TestClaims(HashAlg::kSha512);
  claims.hashes.clear();
  for (int i = 0; i < 100; ++i) {
    claims.hashes.push_back(Digest(HashAlg::kSha512, ToBytes(std::to_string(i))));
  }
  claims.iss = std::string(256, 'i');
  claims.sub = std::string(256, 's');
  Result<std::string> sad = IssueSad(claims, std::string(256, 'k'), TestKey(KeyType::kEcP384));
  REQUIRE(sad.ok());
  CHECK(sad->size() <= kMaxSadLength);
  Result<ParsedSad> parsed = ParseSad(*sad);
  REQUIRE(parsed.ok());
  CHECK(parsed->claims.hashes.size() == 100);
  CHECK(VerifySadSignature(*parsed, TestKey(KeyType::kEcP384), SadAlg::kES384).ok());
}

}  // namespace
}  // namespace samp11
