// Signers' TOTP and OCRA secrets in the keystore: enrolment, the checks (skew, one use per step,
// the OCRA try counter and lock-out), and the attacker who edits the signer_otp rows. Expected
// codes come from otp_test_util.h, not from samp11's own OTP code.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "crypto/digest.h"

#include "keystore/keystore.h"
#include "keystore_test_util.h"
#include "otp_test_util.h"

namespace samp11 {
namespace {

using testing::NewToken;
using testing::TempDir;
using testing::TestToken;

constexpr int64_t kNow = 1795000015;  // 15 s into a 30 s period
constexpr char kSuite[] = "OCRA-1:HOTP-SHA256-8:QH64";
constexpr int kOcraTries = 3;

struct Fixture {
  TempDir dir;
  TestToken token = NewToken(dir);
  Keystore& ks = *token.keystore;

  Fixture() {
    REQUIRE(ks.signers().AddSigner("alice").ok());
    REQUIRE(ks.signers().AddSigner("bob").ok());
  }

  SecureBytes EnrolTotp(const std::string& signer, const TotpParams& params = TotpParams()) {
    auto secret = ks.otp().EnrolTotp(signer, params);
    REQUIRE_MESSAGE(secret.ok(), secret.status().ToString());
    return std::move(secret).value();
  }
  OtpCheck Totp(const std::string& signer, const std::string& code, int64_t now = kNow) {
    auto check = ks.otp().CheckTotp(signer, code, now);
    REQUIRE_MESSAGE(check.ok(), check.status().ToString());
    return *check;
  }
  OcraCheck Ocra(const std::string& signer, const Bytes& hash, const std::string& response,
                 int64_t now = kNow) {
    auto check = ks.otp().CheckOcra(signer, hash, response, now, kOcraTries);
    REQUIRE_MESSAGE(check.ok(), check.status().ToString());
    return *check;
  }
  SignerOtpRow Row(const std::string& signer, const std::string& kind) {
    auto row = testing::RawStore(token.path)->otp().FindSignerOtp(signer, kind);
    REQUIRE(row.ok());
    REQUIRE(row->has_value());
    return **row;
  }
  int Events(const std::string& event) {
    AuditFilter filter;
    filter.event = event;
    filter.limit = 1000;
    auto page = ks.audit().List(filter, 0);
    REQUIRE(page.ok());
    return static_cast<int>(page->size());
  }
};

std::string CodeAt(const SecureBytes& secret, int64_t at, const TotpParams& params = TotpParams()) {
  return testing::TestTotp(OtpHashName(params.hash), secret.data(), secret.size(), at,
                           params.period, params.digits);
}

Bytes HashOf(const std::string& text) { return Digest(HashAlg::kSha256, ToBytes(text)); }

std::string ResponseFor(const SecureBytes& secret, const Bytes& hash) {
  return testing::TestOcra(kSuite, "SHA256", 8, secret.data(), secret.size(), HexEncode(hash));
}

TEST_CASE("totp: a code is accepted within one period of skew, and each step once") {
  Fixture f;
  SecureBytes secret = f.EnrolTotp("alice");
  CHECK(secret.size() == 20);  // SHA-1's size (RFC 4226 asks for at least 16 bytes)
  CHECK(f.Totp("alice", CodeAt(secret, kNow - 30)) == OtpCheck::kOk);  // one period late
  CHECK(f.Totp("alice", CodeAt(secret, kNow - 30)) == OtpCheck::kReused);
  CHECK(f.Totp("alice", CodeAt(secret, kNow)) == OtpCheck::kOk);
  CHECK(f.Totp("alice", CodeAt(secret, kNow)) == OtpCheck::kReused);
  // A later step accepted: every earlier code is refused, even one still within the skew.
  CHECK(f.Totp("alice", CodeAt(secret, kNow + 30)) == OtpCheck::kOk);  // one period early
  CHECK(f.Totp("alice", CodeAt(secret, kNow), kNow + 30) == OtpCheck::kReused);
  // Outside the skew, either way.
  CHECK(f.Totp("alice", CodeAt(secret, kNow + 120)) == OtpCheck::kWrong);
  CHECK(f.Totp("alice", CodeAt(secret, kNow - 60), kNow + 60) == OtpCheck::kWrong);
  CHECK(f.Totp("alice", CodeAt(secret, kNow + 90), kNow + 60) == OtpCheck::kOk);
  // Codes of the wrong form are simply wrong.
  CHECK(f.Totp("alice", "12345") == OtpCheck::kWrong);
  CHECK(f.Totp("alice", "abcdef") == OtpCheck::kWrong);
  CHECK(f.Totp("alice", "") == OtpCheck::kWrong);
  // No enrolment: nothing to check.
  CHECK(f.Totp("bob", CodeAt(secret, kNow)) == OtpCheck::kNotEnrolled);
  CHECK(f.Totp("nobody", CodeAt(secret, kNow)) == OtpCheck::kNotEnrolled);
  CHECK(f.Events(audit_event::kSignerSetTotp) == 1);
}

TEST_CASE("totp: 8 digits, SHA-256 and another period; a new secret ends the old one") {
  Fixture f;
  TotpParams params;
  params.hash = OtpHash::kSha256;
  params.digits = 8;
  params.period = 60;
  SecureBytes secret = f.EnrolTotp("alice", params);
  CHECK(secret.size() == 32);
  CHECK(f.Row("alice", "totp").params == "SHA256:8:60");
  CHECK(f.Totp("alice", CodeAt(secret, kNow, params)) == OtpCheck::kOk);
  CHECK(f.Totp("alice", CodeAt(secret, kNow + 60, params).substr(0, 6)) == OtpCheck::kWrong);

  SecureBytes next = f.EnrolTotp("alice");
  CHECK(f.Totp("alice", CodeAt(secret, kNow + 60, params)) == OtpCheck::kWrong);
  CHECK(f.Totp("alice", CodeAt(next, kNow)) == OtpCheck::kOk);  // the step count starts again
}

TEST_CASE("totp: enrolment refuses bad parameters, unknown signers and names with ':'") {
  Fixture f;
  TotpParams params;
  params.digits = 7;
  CHECK(f.ks.otp().EnrolTotp("alice", params).status().code() == Code::kArgumentsBad);
  params = TotpParams();
  params.period = 10;
  CHECK(f.ks.otp().EnrolTotp("alice", params).status().code() == Code::kArgumentsBad);
  params = TotpParams();
  params.hash = OtpHash::kSha512;
  CHECK(f.ks.otp().EnrolTotp("alice", params).status().code() == Code::kArgumentsBad);
  CHECK(f.ks.otp().EnrolTotp("nobody", TotpParams()).status().code() == Code::kNotFound);
  CHECK(f.ks.otp().EnrolTotp("a:b", TotpParams()).status().code() == Code::kArgumentsBad);
  CHECK_FALSE(*f.ks.otp().HasTotp("alice"));
  CHECK(f.Events(audit_event::kSignerSetTotp) == 5);  // every refusal recorded
  CHECK(ParseTotpParams("SHA1:6:30").ok());
  CHECK_FALSE(ParseTotpParams("SHA1:6").ok());
  CHECK_FALSE(ParseTotpParams("SHA1:6:30:1").ok());
  CHECK_FALSE(ParseTotpParams("MD5:6:30").ok());
}

TEST_CASE("totp: the secret is stored wrapped, bound to its signer and parameters") {
  Fixture f;
  SecureBytes secret = f.EnrolTotp("alice");
  SignerOtpRow row = f.Row("alice", "totp");
  const Bytes plain(secret.data(), secret.data() + secret.size());
  CHECK(std::search(row.wrapped_secret.begin(), row.wrapped_secret.end(), plain.begin(),
                    plain.end()) == row.wrapped_secret.end());
  auto raw = testing::RawStore(f.token.path);
  SUBCASE("longer period") { row.params = "SHA1:6:60"; }
  SUBCASE("another signer") { row.name = "bob"; }
  SUBCASE("another time") { row.created += 1; }
  SUBCASE("an edited secret") { row.wrapped_secret.back() ^= 1; }
  REQUIRE(raw->otp().UpsertSignerOtp(row).ok());
  auto check = f.ks.otp().CheckTotp(row.name, CodeAt(secret, kNow), kNow);
  CHECK(check.status().code() == Code::kTampered);
}

TEST_CASE("ocra: a response binds its hash; wrong ones are counted and lock, audited") {
  Fixture f;
  auto enrolled = f.ks.otp().EnrolOcra("alice", kSuite, std::nullopt);
  REQUIRE_MESSAGE(enrolled.ok(), enrolled.status().ToString());
  const SecureBytes& secret = *enrolled;
  CHECK(secret.size() == 32);
  const Bytes doc = HashOf("contract 42");
  const Bytes other = HashOf("contract 43");
  OcraCheck ok = f.Ocra("alice", doc, ResponseFor(secret, doc));
  CHECK(ok.result == OcraCheck::kOk);
  CHECK(ok.time_step == 0);
  // A response over another hash is wrong for this one.
  OcraCheck wrong = f.Ocra("alice", doc, ResponseFor(secret, other));
  CHECK(wrong.result == OcraCheck::kWrong);
  CHECK(wrong.remaining == kOcraTries - 1);
  CHECK(f.Ocra("alice", doc, ResponseFor(secret, doc)).result == OcraCheck::kOk);  // reset
  CHECK(f.Row("alice", "ocra").failures == 0);
  for (int i = 1; i <= kOcraTries; ++i) {
    OcraCheck bad = f.Ocra("alice", doc, "00000000");
    if (bad.result == OcraCheck::kOk) bad = f.Ocra("alice", doc, "00000001");  // 1 in 10^8
    CHECK(bad.result == OcraCheck::kWrong);
    CHECK(bad.remaining == kOcraTries - i);
  }
  CHECK(f.Events(audit_event::kOcraLocked) == 1);
  // Locked: even the right response is refused, and nothing more is counted.
  CHECK(f.Ocra("alice", doc, ResponseFor(secret, doc)).result == OcraCheck::kLocked);
  CHECK(f.Row("alice", "ocra").failures == kOcraTries);
  // Re-enrolment (a new secret) unlocks it.
  auto again = f.ks.otp().EnrolOcra("alice", kSuite, std::nullopt);
  REQUIRE(again.ok());
  CHECK(f.Ocra("alice", doc, ResponseFor(*again, doc)).result == OcraCheck::kOk);
  CHECK(f.Ocra("bob", doc, ResponseFor(*again, doc)).result == OcraCheck::kNotEnrolled);
}

TEST_CASE("ocra: a suite with a time step accepts one step of skew and names the step") {
  Fixture f;
  const char suite[] = "OCRA-1:HOTP-SHA256-8:QH64-T30S";
  auto secret = f.ks.otp().EnrolOcra("alice", suite, std::nullopt);
  REQUIRE(secret.ok());
  const Bytes doc = HashOf("contract 42");
  auto at = [&](int64_t time) {
    return testing::TestOcra(suite, "SHA256", 8, secret->data(), secret->size(), HexEncode(doc),
                             true, static_cast<uint64_t>(time / 30));
  };
  OcraCheck ok = f.Ocra("alice", doc, at(kNow - 30));
  CHECK(ok.result == OcraCheck::kOk);
  CHECK(ok.time_step == (kNow - 30) / 30);
  CHECK(f.Ocra("alice", doc, at(kNow + 30)).time_step == (kNow + 30) / 30);
  CHECK(f.Ocra("alice", doc, at(kNow - 90)).result == OcraCheck::kWrong);
}

TEST_CASE("ocra: a suite with a PIN hash binds the signer's PIN into the response") {
  Fixture f;
  const char suite[] = "OCRA-1:HOTP-SHA256-8:QH64-PSHA1";
  CHECK(f.ks.otp().EnrolOcra("alice", suite, std::nullopt).status().code() == Code::kArgumentsBad);
  auto secret = f.ks.otp().EnrolOcra("alice", suite, std::string_view("1234"));
  REQUIRE_MESSAGE(secret.ok(), secret.status().ToString());
  REQUIRE(secret->size() == 32 + 20);  // the HMAC key, then SHA-1 of the PIN
  const Bytes doc = HashOf("contract 42");
  std::string message = std::string(suite) + std::string(1, '\0');
  Bytes input(message.begin(), message.end());
  std::string challenge = HexEncode(doc);
  challenge.resize(256, '0');
  Bytes question = *HexDecode(challenge);
  input.insert(input.end(), question.begin(), question.end());
  Bytes pin_hash = *HexDecode("7110eda4d09e062aa5e4a390b0a572ac0d2c0220");  // SHA-1("1234")
  input.insert(input.end(), pin_hash.begin(), pin_hash.end());
  const std::string response = testing::HmacCode("SHA256", secret->data(), 32, input, 8);
  CHECK(f.Ocra("alice", doc, response).result == OcraCheck::kOk);
}

TEST_CASE("ocra: enrolment takes only suites whose challenge is a SHA-256 hash in hex") {
  Fixture f;
  for (const char* suite :
       {"OCRA-1:HOTP-SHA1-6:QN08", "OCRA-1:HOTP-SHA256-8:QH40", "OCRA-1:HOTP-SHA256-8:C-QH64",
        "OCRA-1:HOTP-SHA256-8:QH64-S064", "OCRA-1:HOTP-SHA256-8:QA64", "not a suite"}) {
    CAPTURE(suite);
    CHECK(f.ks.otp().EnrolOcra("alice", suite, std::nullopt).status().code() ==
          Code::kArgumentsBad);
  }
  CHECK(f.ks.otp().EnrolOcra("nobody", kSuite, std::nullopt).status().code() == Code::kNotFound);
  CHECK_FALSE(f.ks.otp().OcraSuiteOf("alice")->has_value());
  // A SHA-384 hash does not fit a 64-digit challenge.
  REQUIRE(f.ks.otp().EnrolOcra("alice", kSuite, std::nullopt).ok());
  CHECK((*f.ks.otp().OcraSuiteOf("alice"))->text == kSuite);
  auto long_hash = f.ks.otp().CheckOcra("alice", Bytes(48, 1), "12345678", kNow, kOcraTries);
  CHECK(long_hash.status().code() == Code::kArgumentsBad);
  CHECK(f.Row("alice", "ocra").failures == 0);  // refused before a try was taken
}

}  // namespace
}  // namespace samp11
