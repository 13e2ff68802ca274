#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "crypto/symmetric.h"

namespace samp11 {
namespace {

SecureBytes Secret(const Bytes& bytes) { return SecureBytes(bytes.data(), bytes.size()); }

SecureBytes TestAeadKey(uint8_t fill) { return Secret(Bytes(kAeadKeySize, fill)); }

TEST_CASE("AES-256-GCM seal and open") {
  SecureBytes key = TestAeadKey(7);
  Bytes aad = ToBytes("keys/row/42");
  Bytes plain = ToBytes("private key bytes");
  Result<Bytes> sealed = AeadSeal(key, aad, plain.data(), plain.size());
  REQUIRE(sealed.ok());
  CHECK(sealed->size() == kAeadNonceSize + plain.size() + kAeadTagSize);
  Result<SecureBytes> opened = AeadOpen(key, aad, *sealed);
  REQUIRE(opened.ok());
  CHECK(Bytes(opened->data(), opened->data() + opened->size()) == plain);
  // A fresh nonce each time.
  Result<Bytes> again = AeadSeal(key, aad, plain.data(), plain.size());
  REQUIRE(again.ok());
  CHECK(Bytes(again->begin(), again->begin() + kAeadNonceSize) !=
        Bytes(sealed->begin(), sealed->begin() + kAeadNonceSize));
  // Empty plaintext and empty aad are fine.
  Result<Bytes> empty = AeadSeal(key, Bytes(), nullptr, 0);
  REQUIRE(empty.ok());
  CHECK(empty->size() == kAeadNonceSize + kAeadTagSize);
  Result<SecureBytes> empty_open = AeadOpen(key, Bytes(), *empty);
  REQUIRE(empty_open.ok());
  CHECK(empty_open->empty());
}

TEST_CASE("AES-256-GCM tamper detection") {
  SecureBytes key = TestAeadKey(7);
  Bytes aad = ToBytes("aad");
  Bytes plain = ToBytes("secret");
  Bytes sealed = *AeadSeal(key, aad, plain.data(), plain.size());
  SUBCASE("ciphertext bit") {
    sealed[kAeadNonceSize] ^= 0x01;
    CHECK(AeadOpen(key, aad, sealed).status().code() == Code::kTampered);
  }
  SUBCASE("tag bit") {
    sealed.back() ^= 0x80;
    CHECK(AeadOpen(key, aad, sealed).status().code() == Code::kTampered);
  }
  SUBCASE("nonce bit") {
    sealed[0] ^= 0x01;
    CHECK(AeadOpen(key, aad, sealed).status().code() == Code::kTampered);
  }
  SUBCASE("wrong aad") {
    CHECK(AeadOpen(key, ToBytes("aae"), sealed).status().code() == Code::kTampered);
    CHECK(AeadOpen(key, Bytes(), sealed).status().code() == Code::kTampered);
  }
  SUBCASE("wrong key") {
    CHECK(AeadOpen(TestAeadKey(8), aad, sealed).status().code() == Code::kTampered);
  }
  SUBCASE("truncated") {
    Bytes shorter(sealed.begin(), sealed.end() - 1);
    CHECK(AeadOpen(key, aad, shorter).status().code() == Code::kTampered);
    Bytes tiny(sealed.begin(), sealed.begin() + kAeadNonceSize + kAeadTagSize - 1);
    CHECK(AeadOpen(key, aad, tiny).status().code() == Code::kTampered);
    CHECK(AeadOpen(key, aad, Bytes()).status().code() == Code::kTampered);
  }
  SUBCASE("extended") {
    sealed.push_back(0);
    CHECK(AeadOpen(key, aad, sealed).status().code() == Code::kTampered);
  }
}

TEST_CASE("AEAD key size is checked") {
  SecureBytes short_key = Secret(Bytes(16, 1));
  Bytes plain = {1};
  CHECK(AeadSeal(short_key, Bytes(), plain.data(), 1).status().code() == Code::kArgumentsBad);
  CHECK(AeadOpen(short_key, Bytes(), Bytes(40, 0)).status().code() == Code::kArgumentsBad);
}

TEST_CASE("HKDF-SHA256 RFC 5869 test case 3") {
  Result<SecureBytes> okm = HkdfSha256(Secret(Bytes(22, 0x0b)), "", 42);
  REQUIRE(okm.ok());
  CHECK(HexEncode(okm->data(), okm->size()) ==
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
  // Different purposes give unrelated keys.
  SecureBytes ikm = Secret(Bytes(32, 1));
  Result<SecureBytes> a = HkdfSha256(ikm, "samp11 wrap", 32);
  Result<SecureBytes> b = HkdfSha256(ikm, "samp11 mac", 32);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK_FALSE(ConstantTimeEqual(a->data(), a->size(), b->data(), b->size()));
  CHECK(HkdfSha256(ikm, "x", 0).status().code() == Code::kArgumentsBad);
  CHECK(HkdfSha256(SecureBytes(), "x", 32).status().code() == Code::kArgumentsBad);
  CHECK(HkdfSha256(ikm, "x", 255 * 32 + 1).status().code() == Code::kArgumentsBad);
}

TEST_CASE("HMAC-SHA256 RFC 4231 test case 2") {
  Result<Bytes> mac = HmacSha256(Secret(ToBytes("Jefe")), ToBytes("what do ya want for nothing?"));
  REQUIRE(mac.ok());
  CHECK(HexEncode(*mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK(HmacSha256(SecureBytes(), ToBytes("x")).status().code() == Code::kArgumentsBad);
}

TEST_CASE("HMAC-SHA256: each call uses its own key, also on many threads at once") {
  // RFC 4231 test cases 1 and 2, interleaved: nothing of one call's key carries to the next.
  const SecureBytes key1 = Secret(Bytes(20, 0x0b));
  const Bytes data1 = ToBytes("Hi There");
  const std::string mac1 = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7";
  const std::string mac2 = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        Result<Bytes> a = HmacSha256(key1, data1);
        Result<Bytes> b =
            HmacSha256(Secret(ToBytes("Jefe")), ToBytes("what do ya want for nothing?"));
        if (!a.ok() || !b.ok() || HexEncode(*a) != mac1 || HexEncode(*b) != mac2) ++wrong;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  CHECK(wrong.load() == 0);
}

TEST_CASE("scrypt N=2^15 r=8 p=1") {
  Bytes salt(16);
  for (size_t i = 0; i < salt.size(); ++i) salt[i] = static_cast<uint8_t>(i);
  Result<SecureBytes> key = ScryptKey("correct horse battery staple", salt);
  REQUIRE(key.ok());
  // Computed independently with Python's hashlib.scrypt and the same parameters.
  CHECK(HexEncode(key->data(), key->size()) ==
        "7a8e34241db898d59175c696538c417467a975ffe569068425f16188d3159c58");
  Result<SecureBytes> other = ScryptKey("correct horse battery staple", Bytes(16, 0));
  REQUIRE(other.ok());
  CHECK_FALSE(ConstantTimeEqual(key->data(), key->size(), other->data(), other->size()));
}

}  // namespace
}  // namespace samp11
