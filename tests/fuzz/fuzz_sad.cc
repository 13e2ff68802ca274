// ParseSad on arbitrary bytes, both forms (samp11-sad+jwt and RFC 9068 access tokens); what parses
// goes on to signature verification with a fixed P-256 key and a fixed RSA key (ES256, RS256,
// PS256) and to the claim checks, so every layer a SAD crosses before the SAM sees fuzzed input.
// The same bytes go to the OCRA SAD's parser (sad/ocra_sad.h), and what it reads is written back.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "crypto/keys.h"
#include "sad/ocra_sad.h"
#include "sad/sad.h"

namespace {

// The public half of the device key that signed tests/fuzz/corpus/fuzz_sad/*: seeds verify, so
// the fuzzer starts past the signature check and mutates into the claim checks.
constexpr char kDevicePublicKey[] = R"(-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEzThvmw/eAhSlBPJ7noryjMped1mF
pGdRkClrMgQwBzg243qjybTpx6RFMQI9RFpQYVylnohNELKfnH/ovJMO/g==
-----END PUBLIC KEY-----
)";
// The authorization server key that signed the access-token seeds (at_*: RS256 and PS256, made
// by jwcrypto with tests/integration/csc_token.py).
constexpr char kServerPublicKey[] = R"(-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtMkuzJYnBqQZjZ0F36PQ
WEydBKYu+0rKyq8MK+6sM6Stdagn5WippgIQQHA3eHpFoog0taLOSyyTP3J6jQMD
j4gmMlHLN4ResN3ryF5P753Uygi5J69O6ZPTh3HeecxwjWSXWA5OXNkTyzOO9S/c
blYKU9GWXy2P2+P5ZjiLdy1nRwoy1XMpnFKzNUgNXcrDbUGuDAQgd3KF3N4qW56k
xIuUpNFVH41TF1QEx6FU9irstwkCkcxkKH102wIWLrRN6bMUHtuBFGJ0Vk2oQNr5
ix7Yz6C9KkgOGetuc12aZD/8PyBYCFvciBElGzW92vKdRaoaU6IahR8CHE8p5sgc
4wIDAQAB
-----END PUBLIC KEY-----
)";
constexpr char kTokenIdentity[] = "fuzz-token";

EVP_PKEY* Key(const char* pem) {
  samp11::Result<samp11::EvpPkeyPtr> k = samp11::PublicKeyFromPemOrJwk(pem);
  if (!k.ok()) std::abort();
  return k->release();
}

// Made once and kept for the process: a fuzzer runs millions of inputs.
EVP_PKEY* DeviceKey() {
  static EVP_PKEY* key = Key(kDevicePublicKey);
  return key;
}
EVP_PKEY* ServerKey() {
  static EVP_PKEY* key = Key(kServerPublicKey);
  return key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  samp11::Result<samp11::OcraSad> ocra = samp11::ParseOcraSad(input);
  // What parses is written back as something that parses to the same SAD.
  if (ocra.ok() && !samp11::ParseOcraSad(samp11::OcraSadText(*ocra)).ok()) std::abort();
  samp11::Result<samp11::ParsedSad> sad = samp11::ParseSad(input);
  if (!sad.ok()) return 0;
  (void)samp11::VerifySadSignature(*sad, DeviceKey(), samp11::SadAlg::kES256);
  (void)samp11::VerifySadSignature(*sad, DeviceKey(), sad->alg);
  (void)samp11::VerifySadSignature(*sad, ServerKey(), samp11::SadAlg::kRS256);
  (void)samp11::VerifySadSignature(*sad, ServerKey(), samp11::SadAlg::kPS256);
  samp11::SadTimePolicy policy;
  policy.audience = "https://sam.example/fuzz";  // an access token's other audience
  // Once at the SAD's own issue time (the time checks pass and the rest is reached) and once
  // far from it (the expiry paths).
  (void)samp11::CheckSadClaims(sad->claims, kTokenIdentity, sad->claims.iat, policy);
  (void)samp11::CheckSadClaims(sad->claims, sad->claims.aud, sad->claims.exp, policy);
  return 0;
}
