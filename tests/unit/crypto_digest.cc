#include <doctest/doctest.h>

#include "crypto/digest.h"
#include "crypto/key_type.h"

namespace samp11 {
namespace {

TEST_CASE("hash table: sizes, names, OIDs") {
  CHECK(HashSize(HashAlg::kSha256) == 32);
  CHECK(HashSize(HashAlg::kSha384) == 48);
  CHECK(HashSize(HashAlg::kSha512) == 64);
  CHECK(std::string(HashOid(HashAlg::kSha256)) == "2.16.840.1.101.3.4.2.1");
  CHECK(std::string(HashOid(HashAlg::kSha384)) == "2.16.840.1.101.3.4.2.2");
  CHECK(std::string(HashOid(HashAlg::kSha512)) == "2.16.840.1.101.3.4.2.3");
  for (HashAlg alg : {HashAlg::kSha256, HashAlg::kSha384, HashAlg::kSha512}) {
    CHECK(HashFromOid(HashOid(alg)) == alg);
    CHECK(HashFromName(HashName(alg)) == alg);
    CHECK(HashFromSize(HashSize(alg)) == alg);
    CHECK(static_cast<size_t>(EVP_MD_get_size(HashMd(alg))) == HashSize(alg));
  }
  CHECK(HashFromName("SHA-256") == HashAlg::kSha256);
  CHECK(HashFromName("SHA384") == HashAlg::kSha384);
  CHECK(HashFromName("sha-512") == HashAlg::kSha512);
  CHECK_FALSE(HashFromName("sha1").has_value());
  CHECK_FALSE(HashFromName("s-ha256").has_value());
  CHECK_FALSE(HashFromName("sha256 ").has_value());
  CHECK_FALSE(HashFromName("").has_value());
  CHECK_FALSE(HashFromName("md5").has_value());
  CHECK_FALSE(HashFromOid("1.3.14.3.2.26").has_value());
  CHECK_FALSE(HashFromSize(20).has_value());
}

TEST_CASE("SHA-256 known answer and incremental digest") {
  Bytes abc = ToBytes("abc");
  CHECK(HexEncode(Digest(HashAlg::kSha256, abc)) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Digester d(HashAlg::kSha256);
  d.Update(abc.data(), 1);
  d.Update(abc.data() + 1, 2);
  CHECK(d.Final() == Digest(HashAlg::kSha256, abc));
  CHECK(d.Final().empty());  // Final is once
  Digester d384(HashAlg::kSha384);
  d384.Update(abc.data(), abc.size());
  CHECK(HexEncode(d384.Final()) ==
        "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
        "8086072ba1e7cc2358baeca134c825a7");
}

TEST_CASE("DigestInfo build and parse") {
  for (HashAlg alg : {HashAlg::kSha256, HashAlg::kSha384, HashAlg::kSha512}) {
    Bytes hash(HashSize(alg), 0x5a);
    Bytes info = MakeDigestInfo(alg, hash);
    CHECK(info.size() == 19 + HashSize(alg));
    std::optional<DigestInfo> parsed = ParseDigestInfo(info.data(), info.size());
    REQUIRE(parsed.has_value());
    CHECK(parsed->alg == alg);
    CHECK(parsed->hash == hash);
  }
  // RFC 8017 section 9.2 note 1, SHA-256 prefix.
  CHECK(HexEncode(DigestInfoPrefix(HashAlg::kSha256)) == "3031300d060960864801650304020105000420");
}

TEST_CASE("DigestInfo refusals") {
  Bytes info = MakeDigestInfo(HashAlg::kSha256, Bytes(32, 1));
  SUBCASE("short hash") {
    Bytes shorter(info.begin(), info.end() - 1);
    CHECK_FALSE(ParseDigestInfo(shorter.data(), shorter.size()).has_value());
  }
  SUBCASE("trailing byte") {
    info.push_back(0);
    CHECK_FALSE(ParseDigestInfo(info.data(), info.size()).has_value());
  }
  SUBCASE("SHA-256 prefix with a SHA-384-sized hash") {
    Bytes wrong = MakeDigestInfo(HashAlg::kSha256, Bytes(48, 1));
    CHECK_FALSE(ParseDigestInfo(wrong.data(), wrong.size()).has_value());
  }
  SUBCASE("absent NULL parameters") {
    Bytes no_null = {0x30, 0x2f, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48,
                     0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x04, 0x20};
    no_null.insert(no_null.end(), 32, 1);
    CHECK_FALSE(ParseDigestInfo(no_null.data(), no_null.size()).has_value());
  }
  SUBCASE("one prefix bit flipped") {
    info[5] ^= 1;
    CHECK_FALSE(ParseDigestInfo(info.data(), info.size()).has_value());
  }
  SUBCASE("bare hash") {
    Bytes hash(32, 1);
    CHECK_FALSE(ParseDigestInfo(hash.data(), hash.size()).has_value());
  }
}

TEST_CASE("key type table") {
  const KeyType all[] = {KeyType::kRsa2048, KeyType::kRsa3072, KeyType::kRsa4096,
                         KeyType::kEcP256,  KeyType::kEcP384,  KeyType::kEd25519};
  const char* names[] = {"rsa-2048", "rsa-3072", "rsa-4096", "ec-p256", "ec-p384", "ed25519"};
  const size_t sig_sizes[] = {256, 384, 512, 64, 96, 64};
  const size_t bits[] = {2048, 3072, 4096, 256, 384, 255};
  for (int i = 0; i < 6; ++i) {
    CHECK(std::string(KeyTypeName(all[i])) == names[i]);
    CHECK(KeyTypeFromName(names[i]) == all[i]);
    CHECK(SignatureSize(all[i]) == sig_sizes[i]);
    CHECK(KeyBits(all[i]) == bits[i]);
  }
  CHECK(FamilyOf(KeyType::kRsa3072) == KeyFamily::kRsa);
  CHECK(FamilyOf(KeyType::kEcP384) == KeyFamily::kEc);
  CHECK(FamilyOf(KeyType::kEd25519) == KeyFamily::kEdwards);
  CHECK_FALSE(KeyTypeFromName("RSA-2048").has_value());
  CHECK_FALSE(KeyTypeFromName("ec-p521").has_value());
}

}  // namespace
}  // namespace samp11
