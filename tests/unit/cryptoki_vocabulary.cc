// The PKCS#11 vocabulary shared by the ABI and the inner token: SHA-2 hashes as hash mechanisms
// and MGF1 generators, in both directions, and the CK_RV names of log lines and messages.
#include <doctest/doctest.h>

#include <optional>

#include "cryptoki/hash_mechanisms.h"
#include "cryptoki/rv_names.h"

namespace samp11 {

TEST_SUITE("cryptoki") {
  TEST_CASE("each SHA-2 hash is its PKCS#11 hash mechanism and MGF1 generator, both ways") {
    CHECK(HashMechanism(HashAlg::kSha256) == CKM_SHA256);
    CHECK(HashMechanism(HashAlg::kSha384) == CKM_SHA384);
    CHECK(HashMechanism(HashAlg::kSha512) == CKM_SHA512);
    CHECK(Mgf1(HashAlg::kSha256) == CKG_MGF1_SHA256);
    CHECK(Mgf1(HashAlg::kSha384) == CKG_MGF1_SHA384);
    CHECK(Mgf1(HashAlg::kSha512) == CKG_MGF1_SHA512);
    for (HashAlg alg : {HashAlg::kSha256, HashAlg::kSha384, HashAlg::kSha512}) {
      CAPTURE(HashName(alg));
      CHECK(HashFromMechanism(HashMechanism(alg)) == alg);
      CHECK(HashFromMgf(Mgf1(alg)) == alg);
    }
  }

  TEST_CASE("hashes samp11 does not sign with have no HashAlg") {
    CHECK(HashFromMechanism(CKM_SHA_1) == std::nullopt);
    CHECK(HashFromMechanism(CKM_SHA224) == std::nullopt);
    CHECK(HashFromMechanism(CKM_SHA256_RSA_PKCS) == std::nullopt);  // a signature mechanism
    CHECK(HashFromMgf(CKG_MGF1_SHA1) == std::nullopt);
    CHECK(HashFromMgf(CKG_MGF1_SHA224) == std::nullopt);
    // The two name spaces do not mix: CKG_MGF1_SHA256 (2) is not a hash mechanism.
    CHECK(HashFromMgf(CKM_SHA256) == std::nullopt);
  }

  TEST_CASE("CK_RV values are named, an unknown one by its number") {
    CHECK(CkrName(CKR_OK) == "CKR_OK");
    CHECK(CkrName(CKR_PIN_INCORRECT) == "CKR_PIN_INCORRECT");
    CHECK(CkrName(CKR_TOKEN_NOT_PRESENT) == "CKR_TOKEN_NOT_PRESENT");
    CHECK(CkrName(CKR_FUNCTION_REJECTED) == "CKR_FUNCTION_REJECTED");
    CHECK(CkrName(CKR_CRYPTOKI_NOT_INITIALIZED) == "CKR_CRYPTOKI_NOT_INITIALIZED");
    CHECK(CkrName(CKR_VENDOR_DEFINED | 0x2A) == "CKR_0x8000002A");
    CHECK(CkrName(0x1234) == "CKR_0x00001234");
  }
}

}  // namespace samp11
