// The example of docs/sad.md, byte for byte: if this fails, the document and the code disagree.
#include <doctest/doctest.h>

#include "crypto/keys.h"
#include "sad/sad.h"

namespace samp11 {
namespace {

// RFC 8032 section 7.1, test 1.
constexpr char kDeviceKeyPem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
    "-----END PRIVATE KEY-----\n";

constexpr char kExampleSad[] =
    "eyJhbGciOiJFZERTQSIsImtpZCI6ImtQcktfcW14VldhWVZBOXd3QkY2SXVvM3ZWeno3VHhIQ1R3WEJ5Z3JTNGsiLCJ0eX"
    "AiOiJzYW1wMTEtc2FkK2p3dCJ9."
    "eyJpc3MiOiJhbGljZSIsInN1YiI6ImFsaWNlIiwiYXVkIjoiNWIyYzBmOWFkMWU4NGI3YzhlM2Y2YTFkMmM0YjllMDciLC"
    "JjcmVkZW50aWFsSUQiOiJhMTFjZTAwMDAwMDAwMDAxIiwiaGFzaEFsZ29yaXRobU9JRCI6IjIuMTYuODQwLjEuMTAxLjMu"
    "NC4yLjEiLCJoYXNoZXMiOlsiaDRZMmI1UTg0OUY5cEMzWVhveEVwd0xKZUt3ZFNrM2JWeVYrK2QwcWR0TT0iXSwibnVtU2"
    "lnbmF0dXJlcyI6MSwiaWF0IjoxNzk1MDAwMDAwLCJleHAiOjE3OTUwMDAzMDAsImp0aSI6IjdmM2M5ZTJhLWV4YW1wbGUi"
    "fQ."
    "5gQlXWCw51Z2f6x6V1bNN_ixxqEiJmZvQb1D26j1kNUEbMx_2R6_N4y-pZ-C_ml7A3GrfyNBi83K9rY5N-F-AQ";

TEST_CASE("docs/sad.md: the example SAD is reproduced exactly and verifies") {
  auto key = PrivateKeyFromPem(kDeviceKeyPem);
  REQUIRE(key.ok());
  auto kid = JwkThumbprint(key->get());
  REQUIRE(kid.ok());
  CHECK(*kid == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");  // RFC 8037 appendix A.3

  SadClaims c;
  c.iss = "alice";
  c.sub = "alice";
  c.aud = "5b2c0f9ad1e84b7c8e3f6a1d2c4b9e07";
  c.credential_id = "a11ce00000000001";
  c.hash_alg = HashAlg::kSha256;
  c.hashes = {Digest(HashAlg::kSha256, ToBytes("I, Alice, agree to the terms of contract 42.\n"))};
  c.iat = 1795000000;
  c.exp = 1795000300;
  c.jti = "7f3c9e2a-example";
  auto sad = IssueSad(c, *kid, key->get());
  REQUIRE(sad.ok());
  CHECK(*sad == kExampleSad);

  auto parsed = ParseSad(kExampleSad);
  REQUIRE(parsed.ok());
  CHECK(VerifySadSignature(*parsed, key->get(), SadAlg::kEdDSA).ok());
  CHECK(CheckSadClaims(parsed->claims, c.aud, 1795000100, SadTimePolicy{}).ok());
}

}  // namespace
}  // namespace samp11
