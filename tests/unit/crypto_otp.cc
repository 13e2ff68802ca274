// HOTP, TOTP and OCRA against the published test vectors of RFC 4226 (appendix D), RFC 6238
// (appendix B) and RFC 6287 (appendix C).
#include <doctest/doctest.h>

#include <string>

#include "crypto/ocra.h"
#include "crypto/otp.h"

namespace samp11 {
namespace {

SecureBytes Key(std::string_view text) {
  return SecureBytes(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

const char kKey20[] = "12345678901234567890";
const char kKey32[] = "12345678901234567890123456789012";
const char kKey64[] = "1234567890123456789012345678901234567890123456789012345678901234";

std::string Must(Result<std::string> code) {
  REQUIRE(code.ok());
  return *code;
}

TEST_CASE("HOTP: RFC 4226 appendix D") {
  const char* expected[] = {"755224", "287082", "359152", "969429", "338314",
                            "254676", "287922", "162583", "399871", "520489"};
  for (uint64_t counter = 0; counter < 10; ++counter) {
    CHECK(Must(Hotp(OtpHash::kSha1, Key(kKey20), counter, 6)) == expected[counter]);
  }
}

TEST_CASE("TOTP: RFC 6238 appendix B, period 30, 8 digits") {
  struct Vector {
    int64_t time;
    const char* sha1;
    const char* sha256;
    const char* sha512;
  };
  const Vector vectors[] = {
      {59, "94287082", "46119246", "90693936"},
      {1111111109, "07081804", "68084774", "25091201"},
      {1111111111, "14050471", "67062674", "99943326"},
      {1234567890, "89005924", "91819424", "93441116"},
      {2000000000, "69279037", "90698825", "38618901"},
      {20000000000, "65353130", "77737706", "47863826"},
  };
  for (const Vector& v : vectors) {
    const int64_t step = TotpStep(v.time, 30);
    CHECK(Must(Totp(OtpHash::kSha1, Key(kKey20), step, 8)) == v.sha1);
    CHECK(Must(Totp(OtpHash::kSha256, Key(kKey32), step, 8)) == v.sha256);
    CHECK(Must(Totp(OtpHash::kSha512, Key(kKey64), step, 8)) == v.sha512);
  }
}

TEST_CASE("TOTP: steps, digits and hash names") {
  CHECK(TotpStep(0, 30) == 0);
  CHECK(TotpStep(29, 30) == 0);
  CHECK(TotpStep(30, 30) == 1);
  CHECK_FALSE(Totp(OtpHash::kSha1, Key(kKey20), -1, 6).ok());
  CHECK_FALSE(Totp(OtpHash::kSha1, Key(kKey20), 1, 3).ok());
  CHECK_FALSE(Totp(OtpHash::kSha1, Key(kKey20), 1, 11).ok());
  CHECK(ParseOtpHash("SHA256") == OtpHash::kSha256);
  CHECK_FALSE(ParseOtpHash("sha256").has_value());
  CHECK_FALSE(ParseOtpHash("MD5").has_value());
}

TEST_CASE("base32 as otpauth URIs carry it (RFC 4648 section 10, unpadded)") {
  auto b32 = [](std::string_view s) {
    return Base32Encode(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  };
  CHECK(b32("") == "");
  CHECK(b32("f") == "MY");
  CHECK(b32("fo") == "MZXQ");
  CHECK(b32("foo") == "MZXW6");
  CHECK(b32("foob") == "MZXW6YQ");
  CHECK(b32("fooba") == "MZXW6YTB");
  CHECK(b32("foobar") == "MZXW6YTBOI");
}

OcraSuite Suite(std::string_view text) {
  Result<OcraSuite> suite = ParseOcraSuite(text);
  REQUIRE_MESSAGE(suite.ok(), suite.status().message());
  return *suite;
}

TEST_CASE("OCRA: RFC 6287 appendix C, one-way challenge-response") {
  const OcraSuite suite = Suite("OCRA-1:HOTP-SHA1-6:QN08");
  const char* expected[] = {"237653", "243178", "653583", "740991", "608993",
                            "388898", "816933", "224598", "750600", "294470"};
  for (int i = 0; i < 10; ++i) {
    OcraInput input;
    input.question = std::string(8, static_cast<char>('0' + i));
    CHECK(Must(Ocra(suite, Key(kKey20), input)) == expected[i]);
  }
}

TEST_CASE("OCRA: RFC 6287 appendix C, counter and PIN hash") {
  const OcraSuite suite = Suite("OCRA-1:HOTP-SHA256-8:C-QN08-PSHA1");
  CHECK(suite.counter);
  REQUIRE(suite.pin_hash.has_value());
  // SHA-1("1234")
  const Bytes pin_hash = *HexDecode("7110eda4d09e062aa5e4a390b0a572ac0d2c0220");
  const char* expected[] = {"65347737", "86775851", "78192410", "71565254", "10104329",
                            "65983500", "70069104", "91771096", "75011558", "08522129"};
  for (uint64_t c = 0; c < 10; ++c) {
    OcraInput input;
    input.counter = c;
    input.question = "12345678";
    input.pin_hash = pin_hash;
    CHECK(Must(Ocra(suite, Key(kKey32), input)) == expected[c]);
  }
  OcraInput short_pin;
  short_pin.question = "12345678";
  short_pin.pin_hash = Bytes(19);
  CHECK_FALSE(Ocra(suite, Key(kKey32), short_pin).ok());
}

TEST_CASE("OCRA: RFC 6287 appendix C, SHA-512 with a counter and with a time step") {
  const OcraSuite counter = Suite("OCRA-1:HOTP-SHA512-8:C-QN08");
  const char* by_counter[] = {"07016083", "63947962", "70123924", "25341727", "33203315",
                              "34205738", "44343969", "51946085", "20403879", "31409299"};
  for (int i = 0; i < 10; ++i) {
    OcraInput input;
    input.counter = static_cast<uint64_t>(i);
    input.question = std::string(8, static_cast<char>('0' + i));
    CHECK(Must(Ocra(counter, Key(kKey64), input)) == by_counter[i]);
  }
  const OcraSuite timed = Suite("OCRA-1:HOTP-SHA512-8:QN08-T1M");
  CHECK(timed.time_step_seconds == 60);
  const char* by_time[] = {"95209754", "55907591", "22048402", "24218844", "36209546"};
  for (int i = 0; i < 5; ++i) {
    OcraInput input;
    input.question = std::string(8, static_cast<char>('0' + i));
    input.time_steps = 0x132d0b6;
    CHECK(Must(Ocra(timed, Key(kKey64), input)) == by_time[i]);
  }
}

TEST_CASE("OCRA: RFC 6287 appendix C, plain signature (alphanumeric challenge)") {
  const OcraSuite suite = Suite("OCRA-1:HOTP-SHA256-8:QA08");
  const char* questions[] = {"SIG10000", "SIG11000", "SIG12000"};
  const char* expected[] = {"53095496", "04110475", "31331128"};
  for (int i = 0; i < 3; ++i) {
    OcraInput input;
    input.question = questions[i];
    CHECK(Must(Ocra(suite, Key(kKey32), input)) == expected[i]);
  }
  const OcraSuite timed = Suite("OCRA-1:HOTP-SHA512-8:QA10-T1M");
  OcraInput input;
  input.question = "SIG1000000";
  input.time_steps = 0x132d0b6;
  CHECK(Must(Ocra(timed, Key(kKey64), input)) == "77537423");
}

TEST_CASE("OCRA: a hex challenge of 64 digits (a SHA-256 document hash)") {
  const OcraSuite suite = Suite("OCRA-1:HOTP-SHA256-8:QH64");
  CHECK(suite.question_format == 'H');
  CHECK(suite.question_max == 64);
  OcraInput input;
  input.question = std::string(64, 'a');
  const std::string a = Must(Ocra(suite, Key(kKey32), input));
  CHECK(a.size() == 8);
  input.question = std::string(64, 'A');  // hex digits in either case are the same challenge
  CHECK(Must(Ocra(suite, Key(kKey32), input)) == a);
  input.question = std::string(63, 'a') + "b";
  CHECK(Must(Ocra(suite, Key(kKey32), input)) != a);
  input.question = std::string(65, 'a');
  CHECK_FALSE(Ocra(suite, Key(kKey32), input).ok());
  input.question = std::string(63, 'a') + "g";
  CHECK_FALSE(Ocra(suite, Key(kKey32), input).ok());
}

TEST_CASE("OCRA: suites refused") {
  const char* bad[] = {
      "OCRA-2:HOTP-SHA1-6:QN08",      "OCRA-1:HOTP-MD5-6:QN08",
      "OCRA-1:HOTP-SHA1-3:QN08",      "OCRA-1:HOTP-SHA1-11:QN08",
      "OCRA-1:HOTP-SHA1-6:",          "OCRA-1:HOTP-SHA1-6:C",
      "OCRA-1:HOTP-SHA1-6:QX08",      "OCRA-1:HOTP-SHA1-6:QN65",
      "OCRA-1:HOTP-SHA1-6:QN03",      "OCRA-1:HOTP-SHA1-6:QN08-C",
      "OCRA-1:HOTP-SHA1-6:QN08-QN08", "OCRA-1:HOTP-SHA1-6:QN08-T0M",
      "OCRA-1:HOTP-SHA1-6:QN08-T60S", "OCRA-1:HOTP-SHA1-6:QN08-PMD5",
      "OCRA-1:HOTP-SHA1-6:QN08-",     "OCRA-1:HOTP-SHA1-6:QN08:x",
      "OCRA-1:TOTP-SHA1-6:QN08",      "OCRA-1:HOTP-SHA1-6:QN08-T1M-S064",
  };
  for (const char* text : bad) CHECK_MESSAGE(!ParseOcraSuite(text).ok(), text);
  CHECK(ParseOcraSuite("OCRA-1:HOTP-SHA256-8:QH64-T30S").ok());
  CHECK(ParseOcraSuite("OCRA-1:HOTP-SHA1-6:C-QN08-PSHA256-S064-T2H").ok());
}

}  // namespace
}  // namespace samp11
