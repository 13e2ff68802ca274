// The access-token form (RFC 9068, CSC v2 authorization_details): what ParseSad takes from it,
// and each rule it refuses, one broken at a time from a valid token.
#include <doctest/doctest.h>

#include "crypto/keys.h"
#include "sad_test_util.h"

namespace samp11 {
namespace {

using nlohmann::ordered_json;

const Bytes kDoc1 = Digest(HashAlg::kSha256, ToBytes("document 1"));
const Bytes kDoc2 = Digest(HashAlg::kSha256, ToBytes("document 2"));

ordered_json AtHeader(const char* alg = "RS256", const char* typ = "at+jwt") {
  return ordered_json{{"alg", alg}, {"typ", typ}, {"kid", "kc-rs-1"}};
}

ordered_json CredentialDetail() {
  return ordered_json{
      {"type", "credential"},
      {"credentialID", "a11ce001"},
      {"documentDigests",
       ordered_json::array({{{"hash", Base64Encode(kDoc1)}, {"label", "one.pdf"}},
                            {{"hash", Base64Encode(kDoc2)}, {"label", "two.pdf"}}})},
      {"hashAlgorithmOID", "2.16.840.1.101.3.4.2.1"},
      {"numSignatures", 2}};
}

// A Keycloak-like payload: the claims the form needs and a few it ignores.
ordered_json AtPayload() {
  return ordered_json{{"exp", kTestNow + 120},
                      {"iat", kTestNow},
                      {"auth_time", kTestNow - 5},
                      {"jti", "onrtac:9c1f2a"},
                      {"iss", "https://kc.example/realms/tsp"},
                      {"aud", ordered_json::array({"https://sam.example/tsp", "account"})},
                      {"sub", "f3a9c2d4-5b6e-4f70-8a91-b2c3d4e5f607"},
                      {"typ", "Bearer"},
                      {"azp", "csc-service"},
                      {"session_state", "0c5e"},
                      {"acr", "1"},
                      {"realm_access", {{"roles", ordered_json::array({"offline_access"})}}},
                      {"scope", "openid credential profile"},
                      {"client_id", "csc-service"},
                      {"authorization_details",
                       ordered_json::array({{{"type", "payment_initiation"}, {"amount", "1"}},
                                            CredentialDetail()})},
                      {"preferred_username", "alice"}};
}

std::string At(const ordered_json& payload = AtPayload(), const ordered_json& header = AtHeader()) {
  return Craft(header, payload, SadAlg::kRS256);
}

ordered_json WithDetail(const std::string& name, const ordered_json& value) {
  ordered_json payload = AtPayload();
  payload["authorization_details"][1][name] = value;
  return payload;
}

// Digests replaced, numSignatures dropped (so the rule tested is the digests' own).
ordered_json WithDigests(const ordered_json& digests) {
  ordered_json payload = WithDetail("documentDigests", digests);
  payload["authorization_details"][1].erase("numSignatures");
  return payload;
}

ordered_json WithoutDetail(const std::string& name) {
  ordered_json payload = AtPayload();
  payload["authorization_details"][1].erase(name);
  return payload;
}

TEST_CASE("an access token parses into the SAD claims the SAM checks") {
  Result<ParsedSad> parsed = ParseSad(At());
  REQUIRE(parsed.ok());
  CHECK(parsed->form == SadForm::kAccessToken);
  CHECK(parsed->alg == SadAlg::kRS256);
  CHECK(parsed->kid == "kc-rs-1");
  CHECK(parsed->claims.iss == "https://kc.example/realms/tsp");
  CHECK(parsed->token_subject == "f3a9c2d4-5b6e-4f70-8a91-b2c3d4e5f607");
  CHECK(parsed->claims.sub == parsed->token_subject);
  CHECK(parsed->client_id == "csc-service");
  CHECK(parsed->claims.audiences == std::vector<std::string>{"https://sam.example/tsp", "account"});
  CHECK(parsed->claims.credential_id == "a11ce001");
  CHECK(parsed->claims.hash_alg == HashAlg::kSha256);
  CHECK(parsed->claims.hashes == std::vector<Bytes>{kDoc1, kDoc2});
  CHECK(parsed->claims.jti == "onrtac:9c1f2a");
  CHECK(parsed->claims.iat == kTestNow);
  CHECK(parsed->claims.exp == kTestNow + 120);
  CHECK(VerifySadSignature(*parsed, TestKey(KeyType::kRsa2048), SadAlg::kRS256).ok());

  SUBCASE("typ application/at+jwt, aud a string, no numSignatures, PS256") {
    ordered_json payload = WithoutDetail("numSignatures");
    payload["aud"] = "token-1";
    Result<ParsedSad> other =
        ParseSad(Craft(AtHeader("PS256", "application/at+jwt"), payload, SadAlg::kPS256));
    REQUIRE(other.ok());
    CHECK(other->claims.audiences == std::vector<std::string>{"token-1"});
    CHECK(VerifySadSignature(*other, TestKey(KeyType::kRsa2048), SadAlg::kPS256).ok());
    // A PS256 signature is not an RS256 one, whatever the header says.
    CHECK_FALSE(VerifySadSignature(*other, TestKey(KeyType::kRsa2048), SadAlg::kRS256).ok());
  }
}

// docs/sad.md's example access token, made by jwcrypto with the Ed25519 key of RFC 8032 section
// 7.1 test 1 (deterministic, so the bytes are the documented ones).
constexpr char kDocExample[] =
    "eyJhbGciOiJFZERTQSIsInR5cCI6ImF0K2p3dCIsImtpZCI6ImtjLWVkZHNhLTEifQ.eyJpc3MiOiJodHRwczovL2t"
    "jLmV4YW1wbGUvcmVhbG1zL3RzcCIsInN1YiI6ImYzYTljMmQ0LTViNmUtNGY3MC04YTkxLWIyYzNkNGU1ZjYwNyIsI"
    "mF1ZCI6WyJodHRwczovL3NhbS5leGFtcGxlL3RzcCIsImFjY291bnQiXSwiZXhwIjoxNzk1MDAwMzAwLCJpYXQiOjE"
    "3OTUwMDAwMDAsImp0aSI6Im9ucnRhYzo5YzFmMmE3ZSIsImNsaWVudF9pZCI6ImNzYy1zZXJ2aWNlIiwiYXpwIjoiY"
    "3NjLXNlcnZpY2UiLCJzY29wZSI6Im9wZW5pZCBjcmVkZW50aWFsIiwiYXV0aG9yaXphdGlvbl9kZXRhaWxzIjpbeyJ"
    "0eXBlIjoiY3JlZGVudGlhbCIsImNyZWRlbnRpYWxJRCI6ImExMWNlMDAwMDAwMDAwMDEiLCJkb2N1bWVudERpZ2Vzd"
    "HMiOlt7Imhhc2giOiJoNFkyYjVRODQ5RjlwQzNZWG94RXB3TEplS3dkU2szYlZ5VisrZDBxZHRNPSIsImxhYmVsIjo"
    "iY29udHJhY3QgNDIudHh0In1dLCJoYXNoQWxnb3JpdGhtT0lEIjoiMi4xNi44NDAuMS4xMDEuMy40LjIuMSIsIm51b"
    "VNpZ25hdHVyZXMiOjF9XX0.AnWTDF7GcLkgVxm2e9xKa8yASVFYrp9lGKT31EPEkJvSzeeWsVyH09f6Xpa3VJF4JxH"
    "YCVd9f69fYFh25HRnCw";

TEST_CASE("docs/sad.md's example access token parses and verifies as documented") {
  Result<ParsedSad> parsed = ParseSad(kDocExample);
  REQUIRE(parsed.ok());
  CHECK(std::string(kDocExample).size() == 829);
  CHECK(parsed->form == SadForm::kAccessToken);
  CHECK(parsed->kid == "kc-eddsa-1");
  CHECK(parsed->claims.iss == "https://kc.example/realms/tsp");
  CHECK(parsed->token_subject == "f3a9c2d4-5b6e-4f70-8a91-b2c3d4e5f607");
  CHECK(parsed->client_id == "csc-service");
  CHECK(parsed->claims.credential_id == "a11ce00000000001");
  CHECK(parsed->claims.hashes ==
        std::vector<Bytes>{
            Digest(HashAlg::kSha256, ToBytes("I, Alice, agree to the terms of contract 42.\n"))});
  Result<EvpPkeyPtr> key = PublicKeyFromPemOrJwk(
      R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})");
  REQUIRE(key.ok());
  CHECK(VerifySadSignature(*parsed, key->get(), SadAlg::kEdDSA).ok());
  SadTimePolicy policy;
  policy.audience = "https://sam.example/tsp";
  CHECK(
      CheckSadClaims(parsed->claims, "5b2c0f9ad1e84b7c8e3f6a1d2c4b9e07", 1795000000, policy).ok());
}

TEST_CASE("an access token's audience: its identity or the configured URI") {
  ParsedSad parsed = *ParseSad(At());
  SadTimePolicy policy;
  CHECK(CheckSadClaims(parsed.claims, "token-1", kTestNow, policy).code() ==
        Code::kActivationInvalid);
  policy.audience = "https://sam.example/tsp";
  CHECK(CheckSadClaims(parsed.claims, "token-1", kTestNow, policy).ok());
  policy.audience = "";
  ordered_json payload = AtPayload();
  payload["aud"] = ordered_json::array({"account", "token-1"});
  CHECK(CheckSadClaims(ParseSad(At(payload))->claims, "token-1", kTestNow, policy).ok());
  // The samp11 form is unchanged: its aud is the identity, never the URI.
  SadClaims samp11_form = TestClaims();
  samp11_form.aud = "https://sam.example/tsp";
  policy.audience = "https://sam.example/tsp";
  CHECK_FALSE(CheckSadClaims(samp11_form, kTestAud, kTestNow, policy).ok());
}

TEST_CASE("access token refusals, one rule at a time") {
  auto without = [](const char* name) {
    ordered_json payload = AtPayload();
    payload.erase(name);
    return At(payload);
  };
  auto with = [](const char* name, const ordered_json& value) {
    ordered_json payload = AtPayload();
    payload[name] = value;
    return At(payload);
  };
  for (const char* claim :
       {"iss", "sub", "aud", "exp", "iat", "jti", "client_id", "scope", "authorization_details"}) {
    CheckRefused(without(claim), std::string("'") + claim + "' is missing");
  }
  CheckRefused(with("scope", "openid profile"), "does not contain 'credential'");
  CheckRefused(with("scope", "credentials"), "does not contain 'credential'");
  CheckRefused(with("aud", ordered_json::array()), "claim 'aud' must be");
  CheckRefused(with("aud", 7), "claim 'aud' must be");
  CheckRefused(with("aud", ordered_json::array({"x", 1})), "not a string");
  CheckRefused(with("client_id", 1), "'client_id' is not a string");
  CheckRefused(with("exp", 1.5), "'exp' is not an integer");

  ordered_json two = AtPayload();
  two["authorization_details"].push_back(CredentialDetail());
  CheckRefused(At(two), "more than one 'credential' detail");
  CheckRefused(
      with("authorization_details", ordered_json::array({{{"type", "payment_initiation"}}})),
      "no detail of type 'credential'");
  CheckRefused(with("authorization_details", ordered_json::object()), "is not an array");
  CheckRefused(with("authorization_details", ordered_json::array({"credential"})),
               "is not an object");

  CheckRefused(At(WithDetail("numSignatures", 3)), "numSignatures is 3 but there are 2 digests");
  CheckRefused(At(WithDetail("numSignatures", "2")), "numSignatures is not an integer");
  CheckRefused(At(WithDetail("hashAlgorithmOID", "1.3.14.3.2.26")), "unsupported hash");
  CheckRefused(At(WithoutDetail("credentialID")), "credentialID is missing");
  CheckRefused(At(WithDetail("credentialID", "A11CE001")), "lower-case hex");
  CheckRefused(At(WithoutDetail("documentDigests")), "documentDigests is missing");
  CheckRefused(At(WithDigests(ordered_json::array())), "'hashes' is empty");
  CheckRefused(At(WithDetail("documentDigests", ordered_json::array({Base64Encode(kDoc1)}))),
               "documentDigests[0] is not an object");
  CheckRefused(
      At(WithDetail("documentDigests", ordered_json::array({{{"hash", Base64UrlEncode(kDoc1)}}}))),
      "not padded base64");
  CheckRefused(At(WithDetail("documentDigests",
                             ordered_json::array({{{"hash", Base64Encode(kDoc1)}, {"label", 1}}}))),
               "label is not a string");
  CheckRefused(At(WithDigests(ordered_json::array({{{"hash", Base64Encode(Bytes(20, 1))}}}))),
               "sha256 needs 32");

  // The header: the two typ values only, the closed member set, no none or HMAC.
  CheckRefused(At(AtPayload(), AtHeader("RS256", "JWT")), "typ must be");
  CheckRefused(At(AtPayload(), AtHeader("none")), "alg 'none' is not allowed");
  CheckRefused(At(AtPayload(), AtHeader("HS256")), "alg 'HS256' is not allowed");
  ordered_json jku = AtHeader();
  jku["jku"] = "https://evil.example/jwks";
  CheckRefused(At(AtPayload(), jku), "member 'jku' is not allowed");
}

}  // namespace
}  // namespace samp11
