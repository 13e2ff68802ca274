#include <doctest/doctest.h>

#include <openssl/rsa.h>

#include "crypto/keys.h"
#include "crypto/signature.h"
#include "test_keys.h"

namespace samp11 {
namespace {

// Verifies with OpenSSL's ordinary hash-and-sign path, to show the precomputed-hash primitives
// produce standard signatures any relying party accepts.
bool StandardVerify(EVP_PKEY* key, const EVP_MD* md, const Bytes& message, const Bytes& sig,
                    const PssParams* pss = nullptr) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, key) != 1) return false;
  if (pss != nullptr &&
      (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
       EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, HashMd(pss->mgf1_hash)) != 1 ||
       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, static_cast<int>(pss->salt_length)) != 1)) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), message.data(), message.size()) == 1;
}

TEST_CASE("ECDSA over a hash gives r||s that verifies as a standard signature") {
  Bytes message = ToBytes("hello");
  for (KeyType type : {KeyType::kEcP256, KeyType::kEcP384}) {
    CAPTURE(KeyTypeName(type));
    EVP_PKEY* key = TestKey(type);
    HashAlg alg = type == KeyType::kEcP256 ? HashAlg::kSha256 : HashAlg::kSha384;
    Bytes hash = Digest(alg, message);
    Result<Bytes> sig = EcdsaSignHash(key, hash);
    REQUIRE(sig.ok());
    CHECK(sig->size() == SignatureSize(type));
    CHECK(EcdsaVerifyHash(key, hash, *sig).ok());
    Result<Bytes> der = EcdsaRawToDer(*sig);
    REQUIRE(der.ok());
    CHECK(StandardVerify(key, HashMd(alg), message, *der));
    Bytes other = hash;
    other[0] ^= 1;
    CHECK(EcdsaVerifyHash(key, other, *sig).code() == Code::kSignatureInvalid);
    Bytes short_sig(sig->begin(), sig->end() - 1);
    CHECK(EcdsaVerifyHash(key, hash, short_sig).code() == Code::kSignatureLenRange);
    CHECK(EcdsaVerifyHash(key, hash, Bytes(sig->size(), 0)).code() == Code::kSignatureInvalid);
  }
  // A SHA-512 hash is longer than P-256's order: truncated as FIPS 186 says, still verifies.
  Bytes long_hash = Digest(HashAlg::kSha512, message);
  Result<Bytes> sig = EcdsaSignHash(TestKey(KeyType::kEcP256), long_hash);
  REQUIRE(sig.ok());
  CHECK(EcdsaVerifyHash(TestKey(KeyType::kEcP256), long_hash, *sig).ok());
  CHECK(EcdsaSignHash(TestKey(KeyType::kEcP256), Bytes()).status().code() == Code::kDataLenRange);
}

TEST_CASE("ECDSA raw <-> DER") {
  Bytes raw(64, 0);
  raw[31] = 0x01;
  raw[63] = 0x80;  // high bit set: DER needs a leading zero
  Result<Bytes> der = EcdsaRawToDer(raw);
  REQUIRE(der.ok());
  CHECK(HexEncode(*der) ==
        "3007020101020200"
        "80");
  Result<Bytes> back = EcdsaDerToRaw(*der, 32);
  REQUIRE(back.ok());
  CHECK(*back == raw);
  // Full-width values survive both ways.
  Bytes full(96, 0xff);
  CHECK(*EcdsaDerToRaw(*EcdsaRawToDer(full), 48) == full);

  CHECK(EcdsaRawToDer(Bytes()).status().code() == Code::kSignatureLenRange);
  CHECK(EcdsaRawToDer(Bytes(63, 1)).status().code() == Code::kSignatureLenRange);
  CHECK(EcdsaDerToRaw(*EcdsaRawToDer(full), 32).status().code() == Code::kSignatureLenRange);
  Bytes trailing = *der;
  trailing.push_back(0);
  CHECK(EcdsaDerToRaw(trailing, 32).status().code() == Code::kSignatureLenRange);
  CHECK(EcdsaDerToRaw(Bytes{0x30, 0x03, 0x02, 0x01}, 32).status().code() ==
        Code::kSignatureLenRange);
  CHECK(EcdsaDerToRaw(Bytes(), 32).status().code() == Code::kSignatureLenRange);
}

TEST_CASE("RSA PKCS#1 v1.5 over a DigestInfo is a standard RSA signature") {
  Bytes message = ToBytes("contract.pdf");
  for (KeyType type : {KeyType::kRsa2048, KeyType::kRsa3072}) {
    CAPTURE(KeyTypeName(type));
    EVP_PKEY* key = TestKey(type);
    for (HashAlg alg : {HashAlg::kSha256, HashAlg::kSha384, HashAlg::kSha512}) {
      Bytes info = MakeDigestInfo(alg, Digest(alg, message));
      Result<Bytes> sig = RsaPkcs1SignDigestInfo(key, info);
      REQUIRE(sig.ok());
      CHECK(sig->size() == SignatureSize(type));
      CHECK(RsaPkcs1VerifyDigestInfo(key, info, *sig).ok());
      CHECK(StandardVerify(key, HashMd(alg), message, *sig));
      // Deterministic padding: the same input signs to the same bytes.
      CHECK(*RsaPkcs1SignDigestInfo(key, info) == *sig);
      Bytes other = info;
      other.back() ^= 1;
      CHECK(RsaPkcs1VerifyDigestInfo(key, other, *sig).code() == Code::kSignatureInvalid);
      Bytes short_sig(sig->begin() + 1, sig->end());
      CHECK(RsaPkcs1VerifyDigestInfo(key, info, short_sig).code() == Code::kSignatureLenRange);
    }
  }
  EVP_PKEY* key = TestKey(KeyType::kRsa2048);
  CHECK(RsaPkcs1SignDigestInfo(key, Bytes(246, 1)).status().code() == Code::kDataLenRange);
  CHECK(RsaPkcs1SignDigestInfo(key, Bytes(245, 1)).ok());  // the largest that fits
  CHECK(RsaPkcs1SignDigestInfo(key, Bytes()).status().code() == Code::kDataLenRange);
  // A signature representative above the modulus is invalid, not an internal error.
  CHECK(RsaPkcs1VerifyDigestInfo(key, Bytes(51, 1), Bytes(256, 0xff)).code() ==
        Code::kSignatureInvalid);
}

TEST_CASE("RSA PSS over a hash") {
  EVP_PKEY* key = TestKey(KeyType::kRsa2048);
  Bytes message = ToBytes("pss message");
  PssParams params{HashAlg::kSha256, HashAlg::kSha256, 32};
  Bytes hash = Digest(HashAlg::kSha256, message);
  Result<Bytes> sig = RsaPssSignHash(key, hash, params);
  REQUIRE(sig.ok());
  CHECK(sig->size() == 256);
  CHECK(RsaPssVerifyHash(key, hash, params, *sig).ok());
  CHECK(StandardVerify(key, EVP_sha256(), message, *sig, &params));
  CHECK(*RsaPssSignHash(key, hash, params) != *sig);  // randomised salt

  PssParams other_salt{HashAlg::kSha256, HashAlg::kSha256, 20};
  CHECK(RsaPssVerifyHash(key, hash, other_salt, *sig).code() == Code::kSignatureInvalid);
  PssParams other_mgf{HashAlg::kSha256, HashAlg::kSha384, 32};
  CHECK(RsaPssVerifyHash(key, hash, other_mgf, *sig).code() == Code::kSignatureInvalid);
  Bytes other = hash;
  other[3] ^= 1;
  CHECK(RsaPssVerifyHash(key, other, params, *sig).code() == Code::kSignatureInvalid);
  CHECK(RsaPssVerifyHash(key, hash, params, Bytes(255, 1)).code() == Code::kSignatureLenRange);

  PssParams p512{HashAlg::kSha512, HashAlg::kSha512, 64};
  Bytes hash512 = Digest(HashAlg::kSha512, message);
  Result<Bytes> sig512 = RsaPssSignHash(TestKey(KeyType::kRsa4096), hash512, p512);
  REQUIRE(sig512.ok());
  CHECK(sig512->size() == 512);
  CHECK(RsaPssVerifyHash(TestKey(KeyType::kRsa4096), hash512, p512, *sig512).ok());
  CHECK(StandardVerify(TestKey(KeyType::kRsa4096), EVP_sha512(), message, *sig512, &p512));

  CHECK(RsaPssSignHash(key, hash512, params).status().code() == Code::kDataLenRange);
  // emLen 256 >= hLen 32 + sLen + 2: 222 fits, 223 does not.
  CHECK(RsaPssSignHash(key, hash, PssParams{HashAlg::kSha256, HashAlg::kSha256, 222}).ok());
  CHECK(RsaPssSignHash(key, hash, PssParams{HashAlg::kSha256, HashAlg::kSha256, 223})
            .status()
            .code() == Code::kMechanismParamInvalid);
}

TEST_CASE("Ed25519: RFC 8032 test 1 and refusals") {
  Bytes secret = *HexDecode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  EvpPkeyPtr key(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, secret.data(), secret.size()));
  REQUIRE(key);
  Result<Bytes> sig = Ed25519Sign(key.get(), Bytes());
  REQUIRE(sig.ok());
  CHECK(
      HexEncode(*sig) ==
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf"
      "9b46bd25bf5f0595bbe24655141438e7a100b");
  CHECK(Ed25519Verify(key.get(), Bytes(), *sig).ok());
  CHECK(Ed25519Verify(key.get(), Bytes{0}, *sig).code() == Code::kSignatureInvalid);
  CHECK(Ed25519Verify(key.get(), Bytes(), Bytes(63, 0)).code() == Code::kSignatureLenRange);
}

TEST_CASE("a mechanism refuses a key of another family") {
  Bytes hash(32, 1);
  CHECK(EcdsaSignHash(TestKey(KeyType::kRsa2048), hash).status().code() ==
        Code::kKeyTypeInconsistent);
  CHECK(EcdsaSignHash(TestKey(KeyType::kEd25519), hash).status().code() ==
        Code::kKeyTypeInconsistent);
  CHECK(RsaPkcs1SignDigestInfo(TestKey(KeyType::kEcP256), hash).status().code() ==
        Code::kKeyTypeInconsistent);
  CHECK(RsaPssSignHash(TestKey(KeyType::kEd25519), hash,
                       PssParams{HashAlg::kSha256, HashAlg::kSha256, 32})
            .status()
            .code() == Code::kKeyTypeInconsistent);
  CHECK(Ed25519Sign(TestKey(KeyType::kEcP256), hash).status().code() == Code::kKeyTypeInconsistent);
  CHECK(Ed25519Verify(TestKey(KeyType::kEcP256), hash, Bytes(64, 0)).code() ==
        Code::kKeyTypeInconsistent);
}

}  // namespace
}  // namespace samp11
