#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include <doctest/doctest.h>

#include "crypto/ossl.h"
#include "sad_test_util.h"

namespace samp11 {
namespace {

// Splits a compact SAD into its three parts.
struct Parts {
  std::string header, payload, signature;
  explicit Parts(const std::string& sad) {
    size_t first = sad.find('.');
    size_t second = sad.find('.', first + 1);
    header = sad.substr(0, first);
    payload = sad.substr(first + 1, second - first - 1);
    signature = sad.substr(second + 1);
  }
  std::string Join() const { return header + "." + payload + "." + signature; }
};

void CheckVerifyRefused(const std::string& sad, EVP_PKEY* key, SadAlg expected,
                        const std::string& reason) {
  CAPTURE(reason);
  Result<ParsedSad> parsed = ParseSad(sad);
  REQUIRE(parsed.ok());
  Status status = VerifySadSignature(*parsed, key, expected);
  CHECK(status.code() == Code::kActivationInvalid);
  CAPTURE(status.message());
  CHECK(status.message().find(reason) != std::string::npos);
}

TEST_CASE("signature refusals") {
  EVP_PKEY* p256 = TestKey(KeyType::kEcP256);
  std::string sad = *IssueSad(TestClaims(), kTestKid, p256);
  REQUIRE(ParseSad(sad).ok());

  SUBCASE("tampered payload") {
    SadClaims other = TestClaims();
    other.sub = "mallory";
    Parts parts(sad);
    parts.payload = Parts(*IssueSad(other, kTestKid, p256)).payload;
    CheckVerifyRefused(parts.Join(), p256, SadAlg::kES256, "does not verify");
  }
  SUBCASE("tampered header") {
    Parts parts(sad);
    nlohmann::ordered_json header = TestHeader();
    header["kid"] = "device-2";
    parts.header = Base64UrlEncode(header.dump());
    CheckVerifyRefused(parts.Join(), p256, SadAlg::kES256, "does not verify");
  }
  SUBCASE("tampered signature") {
    Parts parts(sad);
    Bytes sig = *Base64UrlDecode(parts.signature);
    sig[5] ^= 0x04;
    parts.signature = Base64UrlEncode(sig);
    CheckVerifyRefused(parts.Join(), p256, SadAlg::kES256, "does not verify");
  }
  SUBCASE("signature of another key") {
    Result<EvpPkeyPtr> other = GenerateKey(KeyType::kEcP256);
    REQUIRE(other.ok());
    CheckVerifyRefused(sad, other->get(), SadAlg::kES256, "does not verify");
  }
  SUBCASE("signature of the wrong length") {
    Parts parts(sad);
    Bytes sig = *Base64UrlDecode(parts.signature);
    sig.pop_back();
    parts.signature = Base64UrlEncode(sig);
    CheckVerifyRefused(parts.Join(), p256, SadAlg::kES256, "needs 64 bytes");
  }
  SUBCASE("DER signature instead of r||s") {
    Parts parts(sad);
    parts.signature = Base64UrlEncode(*EcdsaRawToDer(*Base64UrlDecode(parts.signature)));
    CheckVerifyRefused(parts.Join(), p256, SadAlg::kES256, "needs 64 bytes");
  }
  SUBCASE("all-zero signature") {
    Parts parts(sad);
    parts.signature = Base64UrlEncode(Bytes(64, 0));
    CheckVerifyRefused(parts.Join(), p256, SadAlg::kES256, "does not verify");
  }
}

// docs/sad.md: ECDSA's second form (r, n - s) of a SAD's signature verifies too; it is the same
// SAD (same kid, jti and hashes), so what a replay check keys on is unchanged.
TEST_CASE("an ES256 SAD with its signature's high-S form verifies, and is the same SAD") {
  EVP_PKEY* p256 = TestKey(KeyType::kEcP256);
  std::string sad = *IssueSad(TestClaims(), kTestKid, p256);
  Parts parts(sad);
  Bytes sig = *Base64UrlDecode(parts.signature);
  REQUIRE(sig.size() == 64);
  BignumPtr n(BN_new());
  BignumPtr s(BN_bin2bn(sig.data() + 32, 32, nullptr));
  EcGroupPtr group(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
  REQUIRE(EC_GROUP_get_order(group.get(), n.get(), nullptr));
  REQUIRE(BN_sub(s.get(), n.get(), s.get()));
  REQUIRE(BN_bn2binpad(s.get(), sig.data() + 32, 32) == 32);
  parts.signature = Base64UrlEncode(sig);
  REQUIRE(parts.Join() != sad);
  Result<ParsedSad> original = ParseSad(sad);
  Result<ParsedSad> flipped = ParseSad(parts.Join());
  REQUIRE(flipped.ok());
  CHECK(VerifySadSignature(*flipped, p256, SadAlg::kES256).ok());
  CHECK(flipped->kid == original->kid);
  CHECK(flipped->claims.jti == original->claims.jti);
  CHECK(flipped->claims.hashes == original->claims.hashes);
}

TEST_CASE("EdDSA signature refusals") {
  EVP_PKEY* ed = TestKey(KeyType::kEd25519);
  std::string sad = *IssueSad(TestClaims(), kTestKid, ed);
  Parts parts(sad);
  Bytes sig = *Base64UrlDecode(parts.signature);
  sig[63] ^= 0x01;
  parts.signature = Base64UrlEncode(sig);
  CheckVerifyRefused(parts.Join(), ed, SadAlg::kEdDSA, "does not verify");
  sig.pop_back();
  parts.signature = Base64UrlEncode(sig);
  CheckVerifyRefused(parts.Join(), ed, SadAlg::kEdDSA, "needs 64 bytes");
}

TEST_CASE("algorithm confusion") {
  EVP_PKEY* p256 = TestKey(KeyType::kEcP256);
  SUBCASE("ES384 header against a P-256 key registered as ES256") {
    std::string sad = Craft(TestHeader("ES384"), TestPayload(), SadAlg::kES384);
    CheckVerifyRefused(sad, p256, SadAlg::kES256, "alg confusion");
  }
  SUBCASE("EdDSA header against an ES256 key") {
    std::string sad = Craft(TestHeader("EdDSA"), TestPayload(), SadAlg::kEdDSA);
    CheckVerifyRefused(sad, p256, SadAlg::kES256, "alg confusion");
  }
  SUBCASE("ES256 header against an EdDSA key") {
    std::string sad = Craft(TestHeader("ES256"), TestPayload(), SadAlg::kES256);
    CheckVerifyRefused(sad, TestKey(KeyType::kEd25519), SadAlg::kEdDSA, "alg confusion");
  }
  SUBCASE("header and registration agree but the key does not fit") {
    std::string sad = Craft(TestHeader("ES384"), TestPayload(), SadAlg::kES384);
    CheckVerifyRefused(sad, p256, SadAlg::kES384, "does not fit");
    CheckVerifyRefused(sad, TestKey(KeyType::kRsa2048), SadAlg::kES384, "does not fit");
  }
}

}  // namespace
}  // namespace samp11
