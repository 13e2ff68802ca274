#include <doctest/doctest.h>

#include "sad_test_util.h"

namespace samp11 {
namespace {

TEST_CASE("issue, parse, verify and check: ES256, ES384, EdDSA") {
  for (SadAlg alg : {SadAlg::kES256, SadAlg::kES384, SadAlg::kEdDSA}) {
    for (HashAlg hash_alg : {HashAlg::kSha256, HashAlg::kSha384, HashAlg::kSha512}) {
      CAPTURE(SadAlgName(alg));
      CAPTURE(HashName(hash_alg));
      EVP_PKEY* key = TestKey(KeyTypeFor(alg));
      SadClaims claims = TestClaims(hash_alg);
      Result<std::string> sad = IssueSad(claims, kTestKid, key);
      REQUIRE(sad.ok());
      Result<ParsedSad> parsed = ParseSad(*sad);
      REQUIRE(parsed.ok());
      CHECK(parsed->alg == alg);
      CHECK(parsed->kid == kTestKid);
      CHECK(parsed->claims.iss == claims.iss);
      CHECK(parsed->claims.sub == claims.sub);
      CHECK(parsed->claims.aud == claims.aud);
      CHECK(parsed->claims.credential_id == claims.credential_id);
      CHECK(parsed->claims.hash_alg == hash_alg);
      CHECK(parsed->claims.hashes == claims.hashes);
      CHECK(parsed->claims.iat == claims.iat);
      CHECK(parsed->claims.exp == claims.exp);
      CHECK(parsed->claims.jti == claims.jti);
      CHECK(parsed->signing_input == sad->substr(0, sad->rfind('.')));
      CHECK(parsed->signature.size() == (alg == SadAlg::kES384 ? 96u : 64u));
      CHECK(VerifySadSignature(*parsed, key, alg).ok());
      CHECK(CheckSadClaims(parsed->claims, kTestAud, kTestNow + 10, SadTimePolicy()).ok());
    }
  }
}

TEST_CASE("issued SAD has the documented serialization") {
  SadClaims claims = TestClaims();
  claims.hashes = {Bytes(32, 0xfb)};
  Result<std::string> sad = IssueSad(claims, kTestKid, TestKey(KeyType::kEcP256));
  REQUIRE(sad.ok());
  size_t first = sad->find('.');
  size_t second = sad->find('.', first + 1);
  CHECK(ToString(*Base64UrlDecode(sad->substr(0, first))) ==
        R"({"alg":"ES256","kid":"device-1","typ":"samp11-sad+jwt"})");
  CHECK(ToString(*Base64UrlDecode(sad->substr(first + 1, second - first - 1))) ==
        R"({"iss":"device.example","sub":"alice","aud":"token-1","credentialID":"0a1b2c",)"
        R"("hashAlgorithmOID":"2.16.840.1.101.3.4.2.1",)"
        R"("hashes":["+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/s="],"numSignatures":1,)"
        R"("iat":1750000000,"exp":1750000120,"jti":"jti-0001"})");
}

TEST_CASE("a SAD crafted outside IssueSad with unknown claims parses and verifies") {
  nlohmann::ordered_json payload = TestPayload();
  payload["purpose"] = "loan contract";
  payload["ext"] = {{"nested", {1, 2, {{"deep", true}}}}};
  std::string sad = Craft(TestHeader(), payload);
  Result<ParsedSad> parsed = ParseSad(sad);
  REQUIRE(parsed.ok());
  CHECK(VerifySadSignature(*parsed, TestKey(KeyType::kEcP256), SadAlg::kES256).ok());
  // Header members in another order are the same header.
  nlohmann::ordered_json header = {{"typ", kSadType}, {"kid", kTestKid}, {"alg", "ES256"}};
  CHECK(ParseSad(Craft(header, TestPayload())).ok());
}

TEST_CASE("SAD algorithm names and keys") {
  CHECK(std::string(SadAlgName(SadAlg::kES256)) == "ES256");
  CHECK(std::string(SadAlgName(SadAlg::kES384)) == "ES384");
  CHECK(std::string(SadAlgName(SadAlg::kEdDSA)) == "EdDSA");
  CHECK(std::string(SadAlgName(SadAlg::kRS256)) == "RS256");
  CHECK(std::string(SadAlgName(SadAlg::kPS256)) == "PS256");
  CHECK(*SadAlgFromName("ES384") == SadAlg::kES384);
  CHECK(*SadAlgFromName("PS256") == SadAlg::kPS256);
  for (const char* bad :
       {"none", "HS256", "es256", "rs256", "RS384", "PS512", "ES512", "Ed25519", ""}) {
    CAPTURE(bad);
    CHECK_FALSE(SadAlgFromName(bad).ok());
  }
  CHECK(*SadAlgForKey(TestKey(KeyType::kEcP256)) == SadAlg::kES256);
  CHECK(*SadAlgForKey(TestKey(KeyType::kEcP384)) == SadAlg::kES384);
  CHECK(*SadAlgForKey(TestKey(KeyType::kEd25519)) == SadAlg::kEdDSA);
  CHECK(SadAlgForKey(TestKey(KeyType::kRsa2048)).status().code() == Code::kUnsupported);
}

}  // namespace
}  // namespace samp11
