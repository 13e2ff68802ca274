// Every mechanism on every key type, through the built module, verified by OpenSSL.
#include <doctest/doctest.h>

#include <map>

#include "crypto/keys.h"
#include "tests/integration/module_fixture.h"
#include "tests/integration/verify_with_openssl.h"

namespace samp11::testing {
namespace {

struct SignCase {
  const char* name;
  KeyType key;
  CK_MECHANISM_TYPE mechanism;
  HashAlg hash;  // the hash the SAD binds
  Scheme scheme;
  bool data_is_hash;         // CKM_ECDSA / CKM_RSA_PKCS_PSS: the application hashes
  bool data_is_digest_info;  // CKM_RSA_PKCS
};

const SignCase kCases[] = {
    {"ECDSA P-256 raw", KeyType::kEcP256, CKM_ECDSA, HashAlg::kSha256, Scheme::kEcdsa, true, false},
    {"ECDSA-SHA256 P-256", KeyType::kEcP256, CKM_ECDSA_SHA256, HashAlg::kSha256, Scheme::kEcdsa,
     false, false},
    {"ECDSA-SHA384 P-256", KeyType::kEcP256, CKM_ECDSA_SHA384, HashAlg::kSha384, Scheme::kEcdsa,
     false, false},
    {"ECDSA P-384 raw", KeyType::kEcP384, CKM_ECDSA, HashAlg::kSha384, Scheme::kEcdsa, true, false},
    {"ECDSA-SHA384 P-384", KeyType::kEcP384, CKM_ECDSA_SHA384, HashAlg::kSha384, Scheme::kEcdsa,
     false, false},
    {"RSA-PKCS DigestInfo 2048", KeyType::kRsa2048, CKM_RSA_PKCS, HashAlg::kSha256,
     Scheme::kRsaPkcs1, false, true},
    {"SHA256-RSA-PKCS 2048", KeyType::kRsa2048, CKM_SHA256_RSA_PKCS, HashAlg::kSha256,
     Scheme::kRsaPkcs1, false, false},
    {"SHA384-RSA-PKCS 2048", KeyType::kRsa2048, CKM_SHA384_RSA_PKCS, HashAlg::kSha384,
     Scheme::kRsaPkcs1, false, false},
    {"SHA512-RSA-PKCS 3072", KeyType::kRsa3072, CKM_SHA512_RSA_PKCS, HashAlg::kSha512,
     Scheme::kRsaPkcs1, false, false},
    {"RSA-PKCS-PSS raw 2048", KeyType::kRsa2048, CKM_RSA_PKCS_PSS, HashAlg::kSha256,
     Scheme::kRsaPss, true, false},
    {"SHA256-RSA-PKCS-PSS 2048", KeyType::kRsa2048, CKM_SHA256_RSA_PKCS_PSS, HashAlg::kSha256,
     Scheme::kRsaPss, false, false},
    {"SHA512-RSA-PKCS-PSS 4096", KeyType::kRsa4096, CKM_SHA512_RSA_PKCS_PSS, HashAlg::kSha512,
     Scheme::kRsaPss, false, false},
    {"EdDSA, SAD over SHA-256", KeyType::kEd25519, CKM_EDDSA, HashAlg::kSha256, Scheme::kEd25519,
     false, false},
    {"EdDSA, SAD over SHA-512", KeyType::kEd25519, CKM_EDDSA, HashAlg::kSha512, Scheme::kEd25519,
     false, false},
};

CK_MECHANISM_TYPE CkHash(HashAlg alg) {
  return alg == HashAlg::kSha256 ? CKM_SHA256 : alg == HashAlg::kSha384 ? CKM_SHA384 : CKM_SHA512;
}
CK_RSA_PKCS_MGF_TYPE CkMgf(HashAlg alg) {
  return alg == HashAlg::kSha256   ? CKG_MGF1_SHA256
         : alg == HashAlg::kSha384 ? CKG_MGF1_SHA384
                                   : CKG_MGF1_SHA512;
}

TEST_CASE("each mechanism signs under a SAD and OpenSSL verifies the signature") {
  ModuleFixture f;
  std::map<KeyType, UnwrappedKey> keys;
  CK_SESSION_HANDLE session = f.OpenSession();
  const Bytes document = ToBytes("The quick brown fox signs the contract.");
  for (const SignCase& c : kCases) {
    CAPTURE(c.name);
    if (!keys.count(c.key)) keys.emplace(c.key, f.token().GenerateKey("alice", c.key));
    const KeyInfo& key = keys.at(c.key).info;
    CHECK(key.backend == TestKeyBackend());  // the run's parameter, SAMP11_TEST_KEY_BACKEND
    CK_OBJECT_HANDLE handle = f.FindKey(session, key.id);
    REQUIRE(handle != CK_INVALID_HANDLE);

    Bytes hash = Digest(c.hash, document);
    Bytes data = document;
    if (c.data_is_hash) data = hash;
    if (c.data_is_digest_info) data = MakeDigestInfo(c.hash, hash);
    CK_RSA_PKCS_PSS_PARAMS pss{CkHash(c.hash), CkMgf(c.hash), HashSize(c.hash)};
    CK_MECHANISM mech{c.mechanism, nullptr, 0};
    if (c.scheme == Scheme::kRsaPss) {
      mech.pParameter = &pss;
      mech.ulParameterLen = sizeof pss;
    }
    SadSpec spec;
    spec.alg = c.hash;
    spec.hashes = {hash};
    std::string sad = f.token().Sad("alice", key, spec);

    Bytes signature;
    REQUIRE(f.SignOnce(session, handle, mech, sad, data, &signature) == CKR_OK);
    CHECK(signature.size() == SignatureSize(c.key));
    EvpPkeyPtr pub = PublicKeyOf(key);
    CHECK(VerifyDocument(pub.get(), c.scheme, HashMd(c.hash), document, signature));

    // C_Verify through the module agrees, on the public key object.
    CK_OBJECT_HANDLE pub_handle = f.FindKey(session, key.id, CKO_PUBLIC_KEY);
    REQUIRE(pub_handle != CK_INVALID_HANDLE);
    REQUIRE(f.p11()->C_VerifyInit(session, &mech, pub_handle) == CKR_OK);
    CHECK(f.p11()->C_Verify(session, data.data(), data.size(), signature.data(),
                            signature.size()) == CKR_OK);
    signature[3] ^= 0x40;
    REQUIRE(f.p11()->C_VerifyInit(session, &mech, pub_handle) == CKR_OK);
    CHECK(f.p11()->C_Verify(session, data.data(), data.size(), signature.data(),
                            signature.size()) == CKR_SIGNATURE_INVALID);
  }
}

TEST_CASE("multi-part signing hashes inside the module and binds the whole document") {
  ModuleFixture f;
  UnwrappedKey key = f.token().GenerateKey("alice", KeyType::kRsa2048);
  CK_SESSION_HANDLE session = f.OpenSession();
  CK_OBJECT_HANDLE handle = f.FindKey(session, key.info.id);
  Bytes part1 = ToBytes("first half of the document, "), part2 = ToBytes("second half.");
  Bytes whole = part1;
  whole.insert(whole.end(), part2.begin(), part2.end());
  std::string sad = f.token().SadForData("alice", key.info, whole);

  CK_MECHANISM mech = Mech(CKM_SHA256_RSA_PKCS);
  REQUIRE(f.p11()->C_SignInit(session, &mech, handle) == CKR_OK);
  REQUIRE(f.Login(session, CKU_CONTEXT_SPECIFIC, sad) == CKR_OK);
  REQUIRE(f.p11()->C_SignUpdate(session, part1.data(), part1.size()) == CKR_OK);
  REQUIRE(f.p11()->C_SignUpdate(session, part2.data(), part2.size()) == CKR_OK);
  CK_ULONG len = 0;
  REQUIRE(f.p11()->C_SignFinal(session, nullptr, &len) == CKR_OK);
  Bytes sig(len);
  REQUIRE(f.p11()->C_SignFinal(session, sig.data(), &len) == CKR_OK);
  EvpPkeyPtr pub = PublicKeyOf(key.info);
  CHECK(VerifyDocument(pub.get(), Scheme::kRsaPkcs1, EVP_sha256(), whole, sig));
}

}  // namespace
}  // namespace samp11::testing
