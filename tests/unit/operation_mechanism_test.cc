// The per-mechanism rules: what data each accepts and which hash it really signs.
#include <doctest/doctest.h>

#include "crypto/keys.h"
#include "operation/mechanism.h"
#include "tests/support/test_token.h"

namespace samp11 {
namespace {

std::unique_ptr<SignMechanism> Make(MechanismSpec spec, KeyType type) {
  auto m = SignMechanism::Create(spec, type);
  REQUIRE(m.ok());
  return std::move(m).value();
}

Status Feed(SignMechanism& m, const Bytes& data) {
  Status s = m.Update(data.data(), data.size());
  if (!s.ok()) return s;
  return m.Finish();
}

// A key as the mechanisms get it, where SAMP11_TEST_KEY_BACKEND puts it: in memory (file), or
// in the SoftHSM sandbox through a keystore (pkcs11), so that each mechanism's signature is
// checked against both. The public key verifies what was signed.
struct TestKey {
  std::shared_ptr<const SigningKey> signer;
  EvpPkeyPtr public_key;
};

TestKey Key(KeyType type) {
  if (testing::TestingPkcs11Backend()) {
    // One token for the whole run: its keystore stays connected to the inner token.
    static testing::TestToken token({"alice"}, "pkcs11");
    UnwrappedKey key = token.GenerateKey("alice", type);
    return {key.signer, testing::PublicKeyOf(key.info)};
  }
  auto k = GenerateKey(type);
  REQUIRE(k.ok());
  Result<Bytes> spki = PublicKeyToSpki(k->get());
  REQUIRE(spki.ok());
  auto public_key = PublicKeyFromSpki(*spki);
  REQUIRE(public_key.ok());
  return {std::make_shared<OpensslSigningKey>(Share(std::move(k).value())),
          std::move(public_key).value()};
}

const Bytes kDoc = ToBytes("the document");

TEST_CASE("hashing mechanisms bind the hash of the data and sign exactly it") {
  struct Case {
    MechanismSpec spec;
    KeyType key;
  };
  PssParams pss{HashAlg::kSha384, HashAlg::kSha384, 48};
  std::vector<Case> cases = {
      {{MechanismKind::kEcdsaWithHash, HashAlg::kSha256, {}}, KeyType::kEcP256},
      {{MechanismKind::kEcdsaWithHash, HashAlg::kSha384, {}}, KeyType::kEcP384},
      {{MechanismKind::kRsaPkcsWithHash, HashAlg::kSha512, {}}, KeyType::kRsa2048},
      {{MechanismKind::kRsaPssWithHash, HashAlg::kSha384, pss}, KeyType::kRsa2048},
  };
  for (const Case& c : cases) {
    auto m = Make(c.spec, c.key);
    REQUIRE(Feed(*m, kDoc).ok());
    REQUIRE(m->FixedHashAlg() == c.spec.hash);
    auto hash = m->BoundHash(c.spec.hash);
    REQUIRE(hash.ok());
    CHECK(*hash == Digest(c.spec.hash, kDoc));
    HashAlg other = c.spec.hash == HashAlg::kSha256 ? HashAlg::kSha512 : HashAlg::kSha256;
    CHECK(m->BoundHash(other).status().code() == Code::kRejected);
    TestKey key = Key(c.key);
    auto sig = m->Sign(*key.signer);
    REQUIRE(sig.ok());
    CHECK(sig->size() == m->signature_length());
    CHECK(m->Verify(key.public_key.get(), *sig).ok());
    Bytes bad = *sig;
    bad[bad.size() / 2] ^= 1;
    CHECK(m->Verify(key.public_key.get(), bad).code() == Code::kSignatureInvalid);
  }
}

TEST_CASE("multi-part input hashes the same as one part") {
  auto one = Make({MechanismKind::kEcdsaWithHash, HashAlg::kSha256, {}}, KeyType::kEcP256);
  auto parts = Make({MechanismKind::kEcdsaWithHash, HashAlg::kSha256, {}}, KeyType::kEcP256);
  REQUIRE(Feed(*one, kDoc).ok());
  REQUIRE(parts->Update(kDoc.data(), 3).ok());
  REQUIRE(parts->Update(kDoc.data() + 3, kDoc.size() - 3).ok());
  REQUIRE(parts->Finish().ok());
  CHECK(*one->BoundHash(HashAlg::kSha256) == *parts->BoundHash(HashAlg::kSha256));
}

TEST_CASE("CKM_ECDSA takes a hash whose length names its algorithm") {
  for (HashAlg alg : {HashAlg::kSha256, HashAlg::kSha384, HashAlg::kSha512}) {
    auto m = Make({MechanismKind::kEcdsa, HashAlg::kSha256, {}}, KeyType::kEcP256);
    Bytes hash = Digest(alg, kDoc);
    REQUIRE(Feed(*m, hash).ok());
    CHECK(m->FixedHashAlg() == alg);
    CHECK(*m->BoundHash(alg) == hash);
  }
  for (size_t len : {0, 20, 31, 33, 65}) {
    auto m = Make({MechanismKind::kEcdsa, HashAlg::kSha256, {}}, KeyType::kEcP256);
    Status s = Feed(*m, Bytes(len, 7));
    CHECK(s.code() == Code::kDataLenRange);
  }
}

TEST_CASE("CKM_RSA_PKCS takes only a SHA-2 DigestInfo") {
  auto m = Make({MechanismKind::kRsaPkcs, HashAlg::kSha256, {}}, KeyType::kRsa2048);
  Bytes hash = Digest(HashAlg::kSha256, kDoc);
  REQUIRE(Feed(*m, MakeDigestInfo(HashAlg::kSha256, hash)).ok());
  CHECK(*m->BoundHash(HashAlg::kSha256) == hash);
  TestKey key = Key(KeyType::kRsa2048);
  auto sig = m->Sign(*key.signer);
  REQUIRE(sig.ok());
  CHECK(m->Verify(key.public_key.get(), *sig).ok());

  auto raw = Make({MechanismKind::kRsaPkcs, HashAlg::kSha256, {}}, KeyType::kRsa2048);
  CHECK(Feed(*raw, hash).code() == Code::kDataInvalid);  // a bare hash is not a DigestInfo
  Bytes wrong_len = MakeDigestInfo(HashAlg::kSha256, hash);
  wrong_len.pop_back();
  auto truncated = Make({MechanismKind::kRsaPkcs, HashAlg::kSha256, {}}, KeyType::kRsa2048);
  CHECK(Feed(*truncated, wrong_len).code() == Code::kDataInvalid);
  auto too_long = Make({MechanismKind::kRsaPkcs, HashAlg::kSha256, {}}, KeyType::kRsa2048);
  CHECK(Feed(*too_long, Bytes(200, 1)).code() == Code::kDataLenRange);
}

TEST_CASE("CKM_RSA_PKCS_PSS checks hash length and parameters") {
  PssParams p{HashAlg::kSha256, HashAlg::kSha256, 32};
  auto m = Make({MechanismKind::kRsaPss, HashAlg::kSha256, p}, KeyType::kRsa2048);
  CHECK(Feed(*m, Bytes(48, 1)).code() == Code::kDataLenRange);
  auto ok = Make({MechanismKind::kRsaPss, HashAlg::kSha256, p}, KeyType::kRsa2048);
  REQUIRE(Feed(*ok, Digest(HashAlg::kSha256, kDoc)).ok());
  TestKey key = Key(KeyType::kRsa2048);
  auto sig = ok->Sign(*key.signer);
  REQUIRE(sig.ok());
  CHECK(ok->Verify(key.public_key.get(), *sig).ok());

  PssParams huge_salt{HashAlg::kSha256, HashAlg::kSha256, 230};
  CHECK(SignMechanism::Create({MechanismKind::kRsaPss, HashAlg::kSha256, huge_salt},
                              KeyType::kRsa2048)
            .status()
            .code() == Code::kMechanismParamInvalid);
  CHECK(SignMechanism::Create({MechanismKind::kRsaPss, HashAlg::kSha256, std::nullopt},
                              KeyType::kRsa2048)
            .status()
            .code() == Code::kMechanismParamInvalid);
  PssParams mismatch{HashAlg::kSha384, HashAlg::kSha384, 48};
  CHECK(SignMechanism::Create({MechanismKind::kRsaPssWithHash, HashAlg::kSha256, mismatch},
                              KeyType::kRsa2048)
            .status()
            .code() == Code::kMechanismParamInvalid);
}

TEST_CASE("EdDSA binds a hash of the message under the SAD's algorithm") {
  auto m = Make({MechanismKind::kEddsa, HashAlg::kSha256, {}}, KeyType::kEd25519);
  REQUIRE(Feed(*m, kDoc).ok());
  CHECK_FALSE(m->FixedHashAlg().has_value());
  CHECK(*m->BoundHash(HashAlg::kSha512) == Digest(HashAlg::kSha512, kDoc));
  TestKey key = Key(KeyType::kEd25519);
  auto sig = m->Sign(*key.signer);
  REQUIRE(sig.ok());
  CHECK(sig->size() == 64);
  CHECK(m->Verify(key.public_key.get(), *sig).ok());
}

TEST_CASE("a mechanism refuses a key of another family") {
  CHECK(SignMechanism::Create({MechanismKind::kEcdsa, HashAlg::kSha256, {}}, KeyType::kRsa2048)
            .status()
            .code() == Code::kKeyTypeInconsistent);
  CHECK(SignMechanism::Create({MechanismKind::kRsaPkcs, HashAlg::kSha256, {}}, KeyType::kEcP256)
            .status()
            .code() == Code::kKeyTypeInconsistent);
  CHECK(SignMechanism::Create({MechanismKind::kEddsa, HashAlg::kSha256, {}}, KeyType::kEcP256)
            .status()
            .code() == Code::kKeyTypeInconsistent);
}

}  // namespace
}  // namespace samp11

namespace samp11 {
namespace {

TEST_CASE("ECDSA signatures of fixed length: r and s with their top bit set, and valid") {
  for (KeyType type : {KeyType::kEcP256, KeyType::kEcP384}) {
    auto key = GenerateKey(type);
    REQUIRE(key.ok());
    SharedPkey pkey = Share(std::move(key).value());
    OpensslSigningKey signer(pkey);
    for (MechanismKind kind : {MechanismKind::kEcdsa, MechanismKind::kEcdsaWithHash}) {
      auto mechanism = SignMechanism::Create(MechanismSpec{kind, HashAlg::kSha256, {}}, type);
      REQUIRE(mechanism.ok());
      const Bytes data =
          kind == MechanismKind::kEcdsa ? Digest(HashAlg::kSha256, ToBytes("x")) : ToBytes("x");
      REQUIRE((*mechanism)->Update(data.data(), data.size()).ok());
      REQUIRE((*mechanism)->Finish().ok());
      for (int i = 0; i < 32; ++i) {
        auto signature = (*mechanism)->SignFixedLength(signer);
        REQUIRE(signature.ok());
        const size_t half = signature->size() / 2;
        CHECK(((*signature)[0] & 0x80) != 0);
        CHECK(((*signature)[half] & 0x80) != 0);
        CHECK((*mechanism)->Verify(pkey.get(), *signature).ok());
      }
    }
  }
}

}  // namespace
}  // namespace samp11
