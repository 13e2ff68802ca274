// Building SADs for tests, including ones IssueSad would never produce: each refusal test starts
// from a valid SAD and breaks exactly one rule, so a pass proves that rule is what refused it.
#pragma once

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <string>

#include "crypto/signature.h"
#include "sad/sad.h"
#include "test_keys.h"

namespace samp11 {

constexpr int64_t kTestNow = 1750000000;
constexpr char kTestAud[] = "token-1";
constexpr char kTestKid[] = "device-1";

inline SadClaims TestClaims(HashAlg alg = HashAlg::kSha256) {
  SadClaims claims;
  claims.iss = "device.example";
  claims.sub = "alice";
  claims.aud = kTestAud;
  claims.credential_id = "0a1b2c";
  claims.hash_alg = alg;
  claims.hashes = {Digest(alg, ToBytes("document 1")), Digest(alg, ToBytes("document 2"))};
  claims.iat = kTestNow;
  claims.exp = kTestNow + 120;
  claims.jti = "jti-0001";
  return claims;
}

inline KeyType KeyTypeFor(SadAlg alg) {
  switch (alg) {
    case SadAlg::kES256:
      return KeyType::kEcP256;
    case SadAlg::kES384:
      return KeyType::kEcP384;
    case SadAlg::kEdDSA:
      return KeyType::kEd25519;
    case SadAlg::kRS256:
    case SadAlg::kPS256:
      return KeyType::kRsa2048;
  }
  return KeyType::kEcP256;
}

inline nlohmann::ordered_json TestHeader(const char* alg = "ES256") {
  return nlohmann::ordered_json{{"alg", alg}, {"kid", kTestKid}, {"typ", kSadType}};
}

inline nlohmann::ordered_json TestPayload(const SadClaims& claims = TestClaims()) {
  nlohmann::ordered_json hashes = nlohmann::ordered_json::array();
  for (const Bytes& hash : claims.hashes) hashes.push_back(Base64Encode(hash));
  return nlohmann::ordered_json{{"iss", claims.iss},
                                {"sub", claims.sub},
                                {"aud", claims.aud},
                                {"credentialID", claims.credential_id},
                                {"hashAlgorithmOID", HashOid(claims.hash_alg)},
                                {"hashes", hashes},
                                {"numSignatures", claims.hashes.size()},
                                {"iat", claims.iat},
                                {"exp", claims.exp},
                                {"jti", claims.jti}};
}

// The JWS signature of signing_input under alg with the test key for alg.
inline Bytes TestSign(const std::string& signing_input, SadAlg alg) {
  EVP_PKEY* key = TestKey(KeyTypeFor(alg));
  Bytes input = ToBytes(signing_input);
  Bytes sha256 = Digest(HashAlg::kSha256, input);
  Result<Bytes> sig = Status(Code::kInternal, "no algorithm");
  switch (alg) {
    case SadAlg::kEdDSA:
      sig = Ed25519Sign(key, input);
      break;
    case SadAlg::kES256:
      sig = EcdsaSignHash(key, sha256);
      break;
    case SadAlg::kES384:
      sig = EcdsaSignHash(key, Digest(HashAlg::kSha384, input));
      break;
    case SadAlg::kRS256:
      sig = RsaPkcs1SignDigestInfo(key, MakeDigestInfo(HashAlg::kSha256, sha256));
      break;
    case SadAlg::kPS256:
      sig = RsaPssSignHash(key, sha256, PssParams{HashAlg::kSha256, HashAlg::kSha256, 32});
      break;
  }
  REQUIRE(sig.ok());
  return *sig;
}

// A compact SAD from raw header and payload text, signed with the test key for sign_alg.
inline std::string CraftRaw(const std::string& header, const std::string& payload,
                            SadAlg sign_alg = SadAlg::kES256) {
  std::string input = Base64UrlEncode(header) + "." + Base64UrlEncode(payload);
  return input + "." + Base64UrlEncode(TestSign(input, sign_alg));
}

inline std::string Craft(const nlohmann::ordered_json& header,
                         const nlohmann::ordered_json& payload, SadAlg sign_alg = SadAlg::kES256) {
  return CraftRaw(header.dump(), payload.dump(), sign_alg);
}

// Checks that ParseSad refuses sad as kActivationInvalid for the rule named by `reason`, with a
// short message that does not echo the SAD.
inline void CheckRefused(const std::string& sad, const std::string& reason) {
  CAPTURE(reason);
  Result<ParsedSad> parsed = ParseSad(sad);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().code() == Code::kActivationInvalid);
  const std::string& message = parsed.status().message();
  CAPTURE(message);
  CHECK(message.find(reason) != std::string::npos);
  CHECK(message.size() < 200);
  if (sad.size() > 20) CHECK(message.find(sad.substr(0, 20)) == std::string::npos);
}

}  // namespace samp11
