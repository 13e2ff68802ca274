// ParseSad on arbitrary bytes; what parses goes on to signature verification with a fixed P-256
// key and to the claim checks, so every layer a SAD crosses before the SAM sees fuzzed input. The
// same bytes go to the OCRA SAD's parser (sad/ocra_sad.h), and what it reads is written back.
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
constexpr char kTokenIdentity[] = "fuzz-token";

EVP_PKEY* DeviceKey() {
  // Made once and kept for the process: a fuzzer runs millions of inputs.
  static samp11::EvpPkeyPtr* key = [] {
    samp11::Result<samp11::EvpPkeyPtr> k = samp11::PublicKeyFromPemOrJwk(kDevicePublicKey);
    if (!k.ok()) std::abort();
    return new samp11::EvpPkeyPtr(std::move(*k));
  }();
  return key->get();
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
  samp11::SadTimePolicy policy;
  // Once at the SAD's own issue time (the time checks pass and the rest is reached) and once
  // far from it (the expiry paths).
  (void)samp11::CheckSadClaims(sad->claims, kTokenIdentity, sad->claims.iat, policy);
  (void)samp11::CheckSadClaims(sad->claims, sad->claims.aud, sad->claims.exp, policy);
  return 0;
}
