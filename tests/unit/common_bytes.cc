#include <doctest/doctest.h>

#include "common/bytes.h"
#include "common/status.h"

namespace samp11 {
namespace {

TEST_CASE("hex round trip and refusals") {
  Bytes data = {0x00, 0x01, 0xab, 0xff};
  CHECK(HexEncode(data) == "0001abff");
  CHECK(HexDecode("0001abff") == data);
  CHECK(HexDecode("0001ABFF") == data);
  CHECK(HexDecode("")->empty());
  CHECK_FALSE(HexDecode("abc").has_value());  // odd length
  CHECK_FALSE(HexDecode("0g").has_value());   // not hex
  CHECK_FALSE(HexDecode(" 00").has_value());  // whitespace
}

TEST_CASE("base64 RFC 4648 section 10 vectors") {
  const char* plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char* encoded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  const char* url[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
  for (int i = 0; i < 7; ++i) {
    Bytes b = ToBytes(plain[i]);
    CHECK(Base64Encode(b) == encoded[i]);
    CHECK(Base64Decode(encoded[i]) == b);
    CHECK(Base64UrlEncode(b) == url[i]);
    CHECK(Base64UrlDecode(url[i]) == b);
  }
}

TEST_CASE("base64 alphabets differ") {
  Bytes b = {0xfb, 0xff, 0xbf};
  CHECK(Base64Encode(b) == "+/+/");
  CHECK(Base64UrlEncode(b) == "-_-_");
  CHECK_FALSE(Base64Decode("-_-_").has_value());
  CHECK_FALSE(Base64UrlDecode("+/+/").has_value());
}

TEST_CASE("base64 strict refusals") {
  CHECK_FALSE(Base64Decode("Zg").has_value());      // padding required
  CHECK_FALSE(Base64Decode("Zg=").has_value());     // wrong padding
  CHECK_FALSE(Base64Decode("Zg===").has_value());   // too much padding
  CHECK_FALSE(Base64Decode("Zh==").has_value());    // non-zero trailing bits
  CHECK_FALSE(Base64Decode("Zm9v\n").has_value());  // whitespace
  CHECK_FALSE(Base64Decode("Zm 9v").has_value());
  CHECK_FALSE(Base64Decode("Z===").has_value());  // one symbol cannot make a byte
  CHECK_FALSE(Base64Decode("====").has_value());
  CHECK_FALSE(Base64Decode("Zm=v").has_value());  // padding in the middle
  CHECK_FALSE(Base64Decode("Zm9*").has_value());  // outside the alphabet
}

TEST_CASE("base64url strict refusals") {
  CHECK_FALSE(Base64UrlDecode("Zg==").has_value());   // no padding allowed
  CHECK_FALSE(Base64UrlDecode("Zh").has_value());     // non-zero trailing bits
  CHECK_FALSE(Base64UrlDecode("Zm9vY").has_value());  // 1 mod 4 symbols
  CHECK_FALSE(Base64UrlDecode("Zm9v ").has_value());
  CHECK_FALSE(Base64UrlDecode("Zm.v").has_value());
}

TEST_CASE("base64 round trip over all lengths and byte values") {
  Bytes data;
  for (int n = 0; n < 70; ++n) {
    CHECK(Base64Decode(Base64Encode(data)) == data);
    CHECK(Base64UrlDecode(Base64UrlEncode(data)) == data);
    data.push_back(static_cast<uint8_t>(n * 37 + 200));
  }
}

TEST_CASE("ConstantTimeEqual") {
  CHECK(ConstantTimeEqual(Bytes{1, 2, 3}, Bytes{1, 2, 3}));
  CHECK_FALSE(ConstantTimeEqual(Bytes{1, 2, 3}, Bytes{1, 2, 4}));
  CHECK_FALSE(ConstantTimeEqual(Bytes{1, 2, 3}, Bytes{1, 2}));
  CHECK(ConstantTimeEqual(Bytes{}, Bytes{}));
}

TEST_CASE("SecureBytes moves and wipes") {
  SecureBytes a(4);
  a.data()[0] = 7;
  SecureBytes b(std::move(a));
  CHECK(b.size() == 4);
  CHECK(b.data()[0] == 7);
  CHECK(a.empty());  // NOLINT: moved-from state is part of the contract
  b.resize(2);
  CHECK(b.size() == 2);
  b.Wipe();
  CHECK(b.empty());
}

TEST_CASE("Result carries a value or a status") {
  Result<int> good = 3;
  CHECK(good.ok());
  CHECK(*good == 3);
  Result<int> bad = Status(Code::kNotFound, "x");
  CHECK_FALSE(bad.ok());
  CHECK(bad.status().code() == Code::kNotFound);
  CHECK(bad.status().ToString() == "not-found: x");
}

}  // namespace
}  // namespace samp11
