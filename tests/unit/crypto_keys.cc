#include <doctest/doctest.h>

#include <openssl/core_names.h>
#include <openssl/pem.h>

#include "crypto/keys.h"
#include "crypto/random.h"
#include "crypto/signature.h"
#include "test_keys.h"

namespace samp11 {
namespace {

const KeyType kAllTypes[] = {KeyType::kRsa2048, KeyType::kRsa3072, KeyType::kRsa4096,
                             KeyType::kEcP256,  KeyType::kEcP384,  KeyType::kEd25519};

// Signs with the key's natural mechanism and verifies with the given (possibly other) key.
Status SignAndVerify(KeyType type, EVP_PKEY* signer, EVP_PKEY* verifier) {
  Bytes message = ToBytes("document to sign");
  Bytes hash = Digest(HashAlg::kSha256, message);
  switch (FamilyOf(type)) {
    case KeyFamily::kRsa: {
      Bytes info = MakeDigestInfo(HashAlg::kSha256, hash);
      SAMP11_ASSIGN_OR_RETURN(Bytes sig, RsaPkcs1SignDigestInfo(signer, info));
      if (sig.size() != SignatureSize(type)) return Status(Code::kInternal, "size");
      return RsaPkcs1VerifyDigestInfo(verifier, info, sig);
    }
    case KeyFamily::kEc: {
      SAMP11_ASSIGN_OR_RETURN(Bytes sig, EcdsaSignHash(signer, hash));
      if (sig.size() != SignatureSize(type)) return Status(Code::kInternal, "size");
      return EcdsaVerifyHash(verifier, hash, sig);
    }
    case KeyFamily::kEdwards: {
      SAMP11_ASSIGN_OR_RETURN(Bytes sig, Ed25519Sign(signer, message));
      if (sig.size() != SignatureSize(type)) return Status(Code::kInternal, "size");
      return Ed25519Verify(verifier, message, sig);
    }
  }
  return Status(Code::kInternal, "family");
}

TEST_CASE("every key type: generate, PKCS#8 round trip, sign, verify") {
  for (KeyType type : kAllTypes) {
    CAPTURE(KeyTypeName(type));
    EVP_PKEY* key = TestKey(type);
    Result<KeyType> detected = KeyTypeOf(key);
    REQUIRE(detected.ok());
    CHECK(*detected == type);

    Result<SecureBytes> pkcs8 = PrivateKeyToPkcs8(key);
    REQUIRE(pkcs8.ok());
    Result<EvpPkeyPtr> restored = PrivateKeyFromPkcs8(pkcs8->data(), pkcs8->size());
    REQUIRE(restored.ok());
    CHECK(EVP_PKEY_eq(key, restored->get()) == 1);
    CHECK(SignAndVerify(type, restored->get(), key).ok());

    Result<Bytes> spki = PublicKeyToSpki(key);
    REQUIRE(spki.ok());
    Result<EvpPkeyPtr> pub = PublicKeyFromSpki(*spki);
    REQUIRE(pub.ok());
    CHECK(SignAndVerify(type, key, pub->get()).ok());
    CHECK(*KeyTypeOf(pub->get()) == type);

    Result<std::string> pem = PrivateKeyToPem(key);
    REQUIRE(pem.ok());
    CHECK(pem->rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);
    Result<EvpPkeyPtr> from_pem = PrivateKeyFromPem(*pem);
    REQUIRE(from_pem.ok());
    CHECK(EVP_PKEY_eq(key, from_pem->get()) == 1);

    Result<std::string> pub_pem = PublicKeyToPem(key);
    REQUIRE(pub_pem.ok());
    Result<EvpPkeyPtr> pub_from_pem = PublicKeyFromPemOrJwk(*pub_pem);
    REQUIRE(pub_from_pem.ok());
    CHECK(EVP_PKEY_eq(key, pub_from_pem->get()) == 1);
  }
}

TEST_CASE("a key from another pair does not verify") {
  Result<EvpPkeyPtr> other = GenerateKey(KeyType::kEcP256);
  REQUIRE(other.ok());
  Status s = SignAndVerify(KeyType::kEcP256, other->get(), TestKey(KeyType::kEcP256));
  CHECK(s.code() == Code::kSignatureInvalid);
  Result<EvpPkeyPtr> other_ed = GenerateKey(KeyType::kEd25519);
  REQUIRE(other_ed.ok());
  s = SignAndVerify(KeyType::kEd25519, other_ed->get(), TestKey(KeyType::kEd25519));
  CHECK(s.code() == Code::kSignatureInvalid);
}

TEST_CASE("PKCS#8 and SPKI refusals") {
  Result<SecureBytes> pkcs8 = PrivateKeyToPkcs8(TestKey(KeyType::kEcP256));
  REQUIRE(pkcs8.ok());
  Bytes longer(pkcs8->data(), pkcs8->data() + pkcs8->size());
  longer.push_back(0);
  CHECK(PrivateKeyFromPkcs8(longer.data(), longer.size()).status().code() == Code::kArgumentsBad);
  CHECK(PrivateKeyFromPkcs8(pkcs8->data(), pkcs8->size() - 1).status().code() ==
        Code::kArgumentsBad);
  CHECK(PrivateKeyFromPkcs8(longer.data(), 0).status().code() == Code::kArgumentsBad);

  Result<Bytes> spki = PublicKeyToSpki(TestKey(KeyType::kEcP256));
  REQUIRE(spki.ok());
  Bytes spki_long = *spki;
  spki_long.push_back(0);
  CHECK(PublicKeyFromSpki(spki_long).status().code() == Code::kArgumentsBad);
  CHECK(PublicKeyFromSpki(Bytes{0x30, 0x00}).status().code() == Code::kArgumentsBad);
  CHECK(PrivateKeyFromPem("not a key").status().code() == Code::kArgumentsBad);
}

TEST_CASE("encrypted PEM fails without prompting") {
  BioPtr bio(BIO_new(BIO_s_mem()));
  char pass[] = "passphrase";
  REQUIRE(PEM_write_bio_PKCS8PrivateKey(bio.get(), TestKey(KeyType::kEcP256), EVP_aes_256_cbc(),
                                        pass, sizeof(pass) - 1, nullptr, nullptr) == 1);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  CHECK(PrivateKeyFromPem(std::string(data, static_cast<size_t>(len))).status().code() ==
        Code::kArgumentsBad);
}

TEST_CASE("unsupported keys are named as such") {
  EVP_PKEY* p521 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-521");
  REQUIRE(p521 != nullptr);
  EvpPkeyPtr owner(p521);
  CHECK(KeyTypeOf(p521).status().code() == Code::kUnsupported);
  EVP_PKEY* rsa1024 = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t(1024));
  REQUIRE(rsa1024 != nullptr);
  EvpPkeyPtr owner2(rsa1024);
  CHECK(KeyTypeOf(rsa1024).status().code() == Code::kUnsupported);
  EVP_PKEY* x25519 = EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519");
  REQUIRE(x25519 != nullptr);
  EvpPkeyPtr owner3(x25519);
  CHECK(KeyTypeOf(x25519).status().code() == Code::kUnsupported);
  Result<std::string> pem = PublicKeyToPem(p521);
  REQUIRE(pem.ok());
  CHECK(PublicKeyFromPemOrJwk(*pem).status().code() == Code::kUnsupported);
}

TEST_CASE("PKCS#11 attribute encodings") {
  Result<RsaPublicParts> rsa = RsaPublic(TestKey(KeyType::kRsa2048));
  REQUIRE(rsa.ok());
  CHECK(rsa->modulus.size() == 256);
  CHECK(rsa->modulus[0] != 0);
  CHECK(rsa->public_exponent == Bytes{0x01, 0x00, 0x01});
  CHECK(RsaPublic(TestKey(KeyType::kEcP256)).status().code() == Code::kKeyTypeInconsistent);

  CHECK(HexEncode(*EcParamsDer(TestKey(KeyType::kEcP256))) == "06082a8648ce3d030107");
  CHECK(HexEncode(*EcParamsDer(TestKey(KeyType::kEcP384))) == "06052b81040022");
  CHECK(HexEncode(*EcParamsDer(TestKey(KeyType::kEd25519))) == "06032b6570");
  CHECK(EcParamsDer(TestKey(KeyType::kRsa2048)).status().code() == Code::kKeyTypeInconsistent);

  for (KeyType type : {KeyType::kEcP256, KeyType::kEcP384}) {
    EVP_PKEY* key = TestKey(type);
    Result<Bytes> point = EcPointDer(key);
    REQUIRE(point.ok());
    size_t point_size = 1 + SignatureSize(type);
    REQUIRE(point->size() == 2 + point_size);
    CHECK((*point)[0] == 0x04);
    CHECK((*point)[1] == point_size);
    CHECK((*point)[2] == 0x04);
    // The same bytes OpenSSL reports as the encoded public key (uncompressed by default).
    Bytes encoded(point_size);
    size_t len = 0;
    REQUIRE(EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, encoded.data(),
                                            encoded.size(), &len) == 1);
    CHECK(Bytes(point->begin() + 2, point->end()) == encoded);
  }
  Result<Bytes> ed = EcPointDer(TestKey(KeyType::kEd25519));
  REQUIRE(ed.ok());
  REQUIRE(ed->size() == 34);
  CHECK((*ed)[0] == 0x04);
  CHECK((*ed)[1] == 32);
  Bytes raw(32);
  size_t raw_len = raw.size();
  REQUIRE(EVP_PKEY_get_raw_public_key(TestKey(KeyType::kEd25519), raw.data(), &raw_len) == 1);
  CHECK(Bytes(ed->begin() + 2, ed->end()) == raw);
  CHECK(EcPointDer(TestKey(KeyType::kRsa2048)).status().code() == Code::kKeyTypeInconsistent);
}

TEST_CASE("random bytes") {
  Result<Bytes> a = RandomBytes(32);
  Result<Bytes> b = RandomBytes(32);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->size() == 32);
  CHECK(*a != *b);
  CHECK(RandomBytes(0)->empty());
}

}  // namespace
}  // namespace samp11
