#include <doctest/doctest.h>

#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include <nlohmann/json.hpp>

#include "crypto/keys.h"
#include "crypto/signature.h"
#include "test_keys.h"

namespace samp11 {
namespace {

// RFC 7515 appendix A.3: a P-256 key and an ES256 JWS it made.
constexpr char kRfc7515Jwk[] =
    R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
    R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})";
constexpr char kRfc7515SigningInput[] =
    "eyJhbGciOiJFUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlf"
    "Q";
constexpr char kRfc7515Signature[] =
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

// RFC 8037 appendix A.2 (public key) and A.3 (its thumbprint).
constexpr char kRfc8037Jwk[] =
    R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})";
constexpr char kRfc8037Thumbprint[] = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";

// RFC 7638 section 3.1: an RSA key and its thumbprint.
constexpr char kRfc7638N[] =
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_"
    "BJECPebWKR"
    "XjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_"
    "FDW2QvzqY368QQMicA"
    "taSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-"
    "bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3X"
    "PksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
constexpr char kRfc7638Thumbprint[] = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

using ParamBldPtr =
    std::unique_ptr<OSSL_PARAM_BLD, OsslDeleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, OsslDeleter<OSSL_PARAM, OSSL_PARAM_free>>;

EvpPkeyPtr RsaPublicFromParts(const Bytes& n, const Bytes& e) {
  BignumPtr bn_n(BN_bin2bn(n.data(), static_cast<int>(n.size()), nullptr));
  BignumPtr bn_e(BN_bin2bn(e.data(), static_cast<int>(e.size()), nullptr));
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  REQUIRE(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) == 1);
  REQUIRE(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) == 1);
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* key = nullptr;
  REQUIRE(EVP_PKEY_fromdata_init(ctx.get()) == 1);
  REQUIRE(EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) == 1);
  return EvpPkeyPtr(key);
}

std::string WithMember(const std::string& jwk, const std::string& name, nlohmann::json value) {
  nlohmann::json j = nlohmann::json::parse(jwk);
  j[name] = std::move(value);
  return j.dump();
}

TEST_CASE("RFC 7515 A.3: EC JWK import verifies the RFC's ES256 signature") {
  Result<EvpPkeyPtr> key = PublicKeyFromPemOrJwk(kRfc7515Jwk);
  REQUIRE(key.ok());
  CHECK(*KeyTypeOf(key->get()) == KeyType::kEcP256);
  Bytes hash = Digest(HashAlg::kSha256, ToBytes(kRfc7515SigningInput));
  Bytes sig = *Base64UrlDecode(kRfc7515Signature);
  CHECK(EcdsaVerifyHash(key->get(), hash, sig).ok());
  sig[10] ^= 1;
  CHECK(EcdsaVerifyHash(key->get(), hash, sig).code() == Code::kSignatureInvalid);
  // Export gives back the same coordinates, in RFC 7638 member order.
  Result<std::string> jwk = PublicKeyToJwk(key->get());
  REQUIRE(jwk.ok());
  CHECK(*jwk == R"({"crv":"P-256","kty":"EC","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
                R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})");
}

TEST_CASE("RFC 8037: OKP JWK import, export and thumbprint") {
  Result<EvpPkeyPtr> key = PublicKeyFromPemOrJwk(std::string("\n  ") + kRfc8037Jwk + "\n");
  REQUIRE(key.ok());
  CHECK(*KeyTypeOf(key->get()) == KeyType::kEd25519);
  CHECK(*PublicKeyToJwk(key->get()) ==
        R"({"crv":"Ed25519","kty":"OKP","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})");
  CHECK(*JwkThumbprint(key->get()) == kRfc8037Thumbprint);
}

TEST_CASE("RFC 7638 section 3.1: RSA thumbprint") {
  EvpPkeyPtr key = RsaPublicFromParts(*Base64UrlDecode(kRfc7638N), Bytes{0x01, 0x00, 0x01});
  CHECK(*JwkThumbprint(key.get()) == kRfc7638Thumbprint);
}

TEST_CASE("PEM and JWK of the same key give the same thumbprint") {
  for (KeyType type : {KeyType::kEcP256, KeyType::kEcP384, KeyType::kEd25519}) {
    CAPTURE(KeyTypeName(type));
    EVP_PKEY* key = TestKey(type);
    Result<std::string> thumb = JwkThumbprint(key);
    REQUIRE(thumb.ok());
    CHECK(thumb->size() == 43);
    CHECK(*JwkThumbprint(key) == *thumb);  // stable

    Result<EvpPkeyPtr> from_pem = PublicKeyFromPemOrJwk(*PublicKeyToPem(key));
    REQUIRE(from_pem.ok());
    Result<EvpPkeyPtr> from_jwk = PublicKeyFromPemOrJwk(*PublicKeyToJwk(key));
    REQUIRE(from_jwk.ok());
    CHECK(EVP_PKEY_eq(key, from_jwk->get()) == 1);
    CHECK(*JwkThumbprint(from_pem->get()) == *thumb);
    CHECK(*JwkThumbprint(from_jwk->get()) == *thumb);
    // Optional members (kid, use, alg) do not change the thumbprint.
    std::string decorated = WithMember(*PublicKeyToJwk(key), "kid", "device-1");
    CHECK(*JwkThumbprint(PublicKeyFromPemOrJwk(decorated)->get()) == *thumb);
  }
  Result<EvpPkeyPtr> other = GenerateKey(KeyType::kEcP256);
  REQUIRE(other.ok());
  CHECK(*JwkThumbprint(other->get()) != *JwkThumbprint(TestKey(KeyType::kEcP256)));
}

TEST_CASE("EC coordinates are left-padded to the field size") {
  // About one P-256 key in 128 has an x or y with a leading zero byte; keep generating until one
  // does, so the padding path is exercised every run.
  bool found = false;
  for (int i = 0; i < 4000 && !found; ++i) {
    Result<EvpPkeyPtr> key = GenerateKey(KeyType::kEcP256);
    REQUIRE(key.ok());
    nlohmann::json jwk = nlohmann::json::parse(*PublicKeyToJwk(key->get()));
    Bytes x = *Base64UrlDecode(jwk["x"].get<std::string>());
    Bytes y = *Base64UrlDecode(jwk["y"].get<std::string>());
    REQUIRE(x.size() == 32);
    REQUIRE(y.size() == 32);
    if (x[0] != 0 && y[0] != 0) continue;
    found = true;
    Result<EvpPkeyPtr> back = PublicKeyFromPemOrJwk(jwk.dump());
    REQUIRE(back.ok());
    CHECK(EVP_PKEY_eq(key->get(), back->get()) == 1);
    Result<Bytes> point = EcPointDer(key->get());
    REQUIRE(point.ok());
    CHECK(point->size() == 67);
  }
  CHECK(found);
}

TEST_CASE("JWK refusals") {
  const std::string ec = kRfc7515Jwk;
  auto code = [](const std::string& text) { return PublicKeyFromPemOrJwk(text).status().code(); };
  CHECK(code("") == Code::kArgumentsBad);
  CHECK(code("not a key") == Code::kArgumentsBad);
  CHECK(code("{") == Code::kArgumentsBad);
  CHECK(code("[1]") == Code::kArgumentsBad);
  CHECK(code(WithMember(ec, "kty", "oct")) == Code::kUnsupported);
  CHECK(code(WithMember(ec, "kty", "RSA")) == Code::kArgumentsBad);  // no n, no e
  CHECK(code(WithMember(ec, "kty", 1)) == Code::kArgumentsBad);
  CHECK(code(WithMember(ec, "crv", "P-521")) == Code::kUnsupported);
  CHECK(code(WithMember(ec, "crv", "P-384")) == Code::kArgumentsBad);  // 32-byte coordinates
  CHECK(code(WithMember(ec, "x", Base64UrlEncode(Bytes(31, 0x11)))) ==
        Code::kArgumentsBad);  // 31 bytes: not padded to the field size
  CHECK(code(WithMember(ec, "x", "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU=")) ==
        Code::kArgumentsBad);  // padded base64url
  CHECK(code(WithMember(ec, "y", "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a1")) ==
        Code::kArgumentsBad);  // non-zero trailing bits
  CHECK(code(WithMember(ec, "y", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE")) ==
        Code::kArgumentsBad);  // not on the curve
  nlohmann::json missing_y = nlohmann::json::parse(ec);
  missing_y.erase("y");
  CHECK(code(missing_y.dump()) == Code::kArgumentsBad);
  // A private member means a secret was pasted where a public key belongs.
  CHECK(code(WithMember(kRfc8037Jwk, "d", "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")) ==
        Code::kArgumentsBad);
  // Duplicate members: which "x" would count?
  CHECK(code(R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",)"
             R"("x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})") == Code::kArgumentsBad);
  CHECK(code(WithMember(kRfc8037Jwk, "crv", "X25519")) == Code::kUnsupported);
  CHECK(code(WithMember(kRfc8037Jwk, "x", Base64UrlEncode(Bytes(31, 0x11)))) ==
        Code::kArgumentsBad);
}

TEST_CASE("PEM public key refusals") {
  std::string pem = *PublicKeyToPem(TestKey(KeyType::kEcP256));
  CHECK(PublicKeyFromPemOrJwk("  " + pem + "\n\n").ok());
  CHECK(PublicKeyFromPemOrJwk(pem + "trailing").status().code() == Code::kArgumentsBad);
  CHECK(PublicKeyFromPemOrJwk(pem + pem).status().code() == Code::kArgumentsBad);
  std::string broken = pem;
  broken[40] = '*';
  CHECK(PublicKeyFromPemOrJwk(broken).status().code() == Code::kArgumentsBad);
  // A private key is not a public key.
  CHECK(PublicKeyFromPemOrJwk(*PrivateKeyToPem(TestKey(KeyType::kEcP256))).status().code() ==
        Code::kArgumentsBad);
}

}  // namespace
}  // namespace samp11
