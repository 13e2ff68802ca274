// ParseJwks: an authorization server's JWK Set, as `samp11 issuer add --jwks` reads it.
#include <doctest/doctest.h>

#include <openssl/core_names.h>
#include <openssl/rsa.h>

#include <nlohmann/json.hpp>

#include "crypto/jwks.h"
#include "crypto/keys.h"
#include "test_keys.h"

namespace samp11 {
namespace {

using nlohmann::json;

json JwkOf(EVP_PKEY* key, const std::string& kid, const char* alg = nullptr) {
  Result<std::string> text = PublicKeyToJwk(key);
  REQUIRE(text.ok());
  json jwk = json::parse(*text);
  jwk["kid"] = kid;
  if (alg != nullptr) jwk["alg"] = alg;
  return jwk;
}

// PublicKeyToJwk takes only the key types samp11 signs with; a 1024-bit key is spelled by hand.
json SmallRsaJwk(EVP_PKEY* key, const std::string& kid) {
  auto param = [&](const char* name) {
    BIGNUM* bn = nullptr;
    REQUIRE(EVP_PKEY_get_bn_param(key, name, &bn) == 1);
    Bytes bytes(static_cast<size_t>(BN_num_bytes(bn)));
    BN_bn2bin(bn, bytes.data());
    BN_free(bn);
    return Base64UrlEncode(bytes);
  };
  return json{{"kty", "RSA"},
              {"kid", kid},
              {"alg", "RS256"},
              {"n", param(OSSL_PKEY_PARAM_RSA_N)},
              {"e", param(OSSL_PKEY_PARAM_RSA_E)}};
}

std::string SetOf(std::initializer_list<json> keys) { return json{{"keys", keys}}.dump(); }

Status ParseError(const std::string& text) {
  Result<Jwks> jwks = ParseJwks(text);
  REQUIRE_FALSE(jwks.ok());
  return jwks.status();
}

TEST_CASE("ParseJwks takes RS256, PS256, ES256, ES384 and EdDSA keys by kid") {
  std::string text = SetOf({JwkOf(TestKey(KeyType::kRsa2048), "rs", "RS256"),
                            JwkOf(TestKey(KeyType::kRsa3072), "ps", "PS256"),
                            JwkOf(TestKey(KeyType::kEcP256), "es256"),
                            JwkOf(TestKey(KeyType::kEcP384), "es384", "ES384"),
                            JwkOf(TestKey(KeyType::kEd25519), "ed", "EdDSA")});
  Result<Jwks> jwks = ParseJwks(text);
  REQUIRE(jwks.ok());
  REQUIRE(jwks->keys.size() == 5);
  CHECK(jwks->keys[0].kid == "rs");
  CHECK(jwks->keys[0].alg == SadAlg::kRS256);
  CHECK(jwks->keys[1].alg == SadAlg::kPS256);
  CHECK(jwks->keys[2].alg == SadAlg::kES256);
  CHECK(jwks->keys[3].alg == SadAlg::kES384);
  CHECK(jwks->keys[4].alg == SadAlg::kEdDSA);
  CHECK(EVP_PKEY_eq(jwks->keys[0].key.get(), TestKey(KeyType::kRsa2048)) == 1);
  CHECK(EVP_PKEY_eq(jwks->keys[4].key.get(), TestKey(KeyType::kEd25519)) == 1);
  CHECK(jwks->skipped.empty());
}

TEST_CASE("ParseJwks skips a key published for encryption, as Keycloak's set has one") {
  json enc = JwkOf(TestKey(KeyType::kRsa2048), "enc-1", "RSA-OAEP");
  enc["use"] = "enc";
  json sig = JwkOf(TestKey(KeyType::kRsa2048), "sig-1", "RS256");
  sig["use"] = "sig";
  sig["x5t"] = "ignored";
  Result<Jwks> jwks = ParseJwks(SetOf({enc, sig}));
  REQUIRE(jwks.ok());
  REQUIRE(jwks->keys.size() == 1);
  CHECK(jwks->keys[0].kid == "sig-1");
  CHECK(jwks->skipped == std::vector<std::string>{"enc-1"});
}

TEST_CASE("ParseJwks refuses what it cannot take, naming the key") {
  json rsa = JwkOf(TestKey(KeyType::kRsa2048), "rsa-1");
  SUBCASE("an RSA key without alg") {
    CHECK(ParseError(SetOf({rsa})).message().find("needs 'alg'") != std::string::npos);
  }
  SUBCASE("an RSA key with an algorithm samp11 does not take") {
    rsa["alg"] = "RS512";
    CHECK(ParseError(SetOf({rsa})).message().find("rsa-1") != std::string::npos);
  }
  SUBCASE("HS256 and none") {
    rsa["alg"] = "HS256";
    CHECK(ParseError(SetOf({rsa})).code() == Code::kArgumentsBad);
    rsa["alg"] = "none";
    CHECK(ParseError(SetOf({rsa})).code() == Code::kArgumentsBad);
  }
  SUBCASE("an EC key whose alg is not its curve's") {
    CHECK(ParseError(SetOf({JwkOf(TestKey(KeyType::kEcP256), "ec", "ES384")})).code() ==
          Code::kArgumentsBad);
    CHECK(ParseError(SetOf({JwkOf(TestKey(KeyType::kEcP256), "ec", "RS256")})).code() ==
          Code::kArgumentsBad);
  }
  SUBCASE("an RSA key registered as ES256") {
    rsa["alg"] = "ES256";
    CHECK(ParseError(SetOf({rsa})).code() == Code::kArgumentsBad);
  }
  SUBCASE("RSA under 2048 bits") {
    EvpPkeyPtr small(EVP_RSA_gen(1024));
    REQUIRE(small);
    Status refused = ParseError(SetOf({SmallRsaJwk(small.get(), "small")}));
    CHECK(refused.message().find("at least 2048 bits") != std::string::npos);
  }
  SUBCASE("a private member, even in a key that would be skipped") {
    json with_d = JwkOf(TestKey(KeyType::kEcP256), "ec");
    with_d["d"] = "AAAA";
    CHECK(ParseError(SetOf({with_d})).message().find("private member 'd'") != std::string::npos);
    with_d["use"] = "enc";
    CHECK(ParseError(SetOf({with_d})).message().find("private member 'd'") != std::string::npos);
  }
  SUBCASE("a key without kid, and a kid twice") {
    json no_kid = JwkOf(TestKey(KeyType::kEcP256), "x");
    no_kid.erase("kid");
    CHECK(ParseError(SetOf({no_kid})).message().find("kid") != std::string::npos);
    CHECK(ParseError(SetOf({JwkOf(TestKey(KeyType::kEcP256), "same"),
                            JwkOf(TestKey(KeyType::kEd25519), "same")}))
              .message()
              .find("appears twice") != std::string::npos);
  }
  SUBCASE("no keys, not a set, and a set of encryption keys only") {
    CHECK(ParseError(R"({"keys":[]})").code() == Code::kArgumentsBad);
    CHECK(ParseError(R"({"kty":"EC"})").code() == Code::kArgumentsBad);
    CHECK(ParseError("[]").code() == Code::kArgumentsBad);
    json enc = JwkOf(TestKey(KeyType::kRsa2048), "enc", "RSA-OAEP");
    enc["use"] = "enc";
    CHECK(ParseError(SetOf({enc})).message().find("no signing key") != std::string::npos);
  }
  SUBCASE("an RSA modulus that is not base64url") {
    rsa["alg"] = "RS256";
    rsa["n"] = "not base64url!";
    CHECK(ParseError(SetOf({rsa})).code() == Code::kArgumentsBad);
  }
}

TEST_CASE("CheckSadAlgKey fixes an RSA key to RS256 or PS256 only, 2048 bits at least") {
  CHECK(CheckSadAlgKey(SadAlg::kRS256, TestKey(KeyType::kRsa2048)).ok());
  CHECK(CheckSadAlgKey(SadAlg::kPS256, TestKey(KeyType::kRsa4096)).ok());
  CHECK_FALSE(CheckSadAlgKey(SadAlg::kES256, TestKey(KeyType::kRsa2048)).ok());
  CHECK_FALSE(CheckSadAlgKey(SadAlg::kRS256, TestKey(KeyType::kEcP256)).ok());
  CHECK(CheckSadAlgKey(SadAlg::kEdDSA, TestKey(KeyType::kEd25519)).ok());
  EvpPkeyPtr small(EVP_RSA_gen(1024));
  REQUIRE(small);
  CHECK_FALSE(CheckSadAlgKey(SadAlg::kRS256, small.get()).ok());
  // SadAlgForKey still names no algorithm for RSA: a device key is never RSA.
  CHECK_FALSE(SadAlgForKey(TestKey(KeyType::kRsa2048)).ok());
}

}  // namespace
}  // namespace samp11
