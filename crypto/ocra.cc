#include "crypto/ocra.h"

#include <openssl/bn.h>

#include <cctype>
#include <memory>

#include "crypto/ossl.h"

namespace samp11 {
namespace {

Status BadSuite(std::string_view text, const std::string& why) {
  return Status(Code::kArgumentsBad, "OCRA suite '" + std::string(text) + "': " + why);
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::optional<int> SmallNumber(std::string_view s) {
  if (!AllDigits(s) || s.size() > 3) return std::nullopt;
  return std::stoi(std::string(s));
}

void AppendBigEndian(Bytes& out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(value >> shift));
}

// RFC 6287 section 5.1: the question as hex, right-padded with '0' to 256 hex digits (128 bytes).
Result<Bytes> QuestionBytes(const OcraSuite& suite, std::string_view question) {
  if (question.size() < 4 || question.size() > static_cast<size_t>(suite.question_max)) {
    return Status(Code::kArgumentsBad, "an OCRA challenge has 4 to " +
                                           std::to_string(suite.question_max) + " characters");
  }
  std::string hex;
  switch (suite.question_format) {
    case 'A':
      for (char c : question) {
        if (!std::isalnum(static_cast<unsigned char>(c))) {
          return Status(Code::kArgumentsBad, "an alphanumeric OCRA challenge is [0-9A-Za-z]");
        }
      }
      hex = HexEncode(ToBytes(question));
      break;
    case 'N': {
      if (!AllDigits(question)) {
        return Status(Code::kArgumentsBad, "a numeric OCRA challenge is decimal digits");
      }
      BIGNUM* raw = nullptr;
      const std::string digits(question);
      if (BN_dec2bn(&raw, digits.c_str()) == 0) return OpenSslError("BN_dec2bn");
      std::unique_ptr<BIGNUM, OsslDeleter<BIGNUM, BN_free>> number(raw);
      char* text = BN_bn2hex(number.get());
      if (text == nullptr) return OpenSslError("BN_bn2hex");
      hex = text;
      OPENSSL_free(text);
      // BN_bn2hex writes zero as "0" and pads to whole bytes; the RFC's reference code writes
      // the number's hex digits without leading zeros.
      size_t first = hex.find_first_not_of('0');
      hex = first == std::string::npos ? "0" : hex.substr(first);
      break;
    }
    case 'H':
      for (char c : question) {
        if (!std::isxdigit(static_cast<unsigned char>(c))) {
          return Status(Code::kArgumentsBad, "a hex OCRA challenge is [0-9A-Fa-f]");
        }
      }
      hex = std::string(question);
      break;
    default:
      return Status(Code::kArgumentsBad, "unknown OCRA challenge format");
  }
  hex.resize(256, '0');
  std::optional<Bytes> bytes = HexDecode(hex);
  if (!bytes) return Status(Code::kInternal, "OCRA challenge encoding");
  return *bytes;
}

}  // namespace

Result<OcraSuite> ParseOcraSuite(std::string_view text) {
  OcraSuite suite;
  suite.text = std::string(text);
  const size_t colon1 = text.find(':');
  const size_t colon2 = colon1 == std::string_view::npos ? colon1 : text.find(':', colon1 + 1);
  if (colon2 == std::string_view::npos || text.find(':', colon2 + 1) != std::string_view::npos) {
    return BadSuite(text, "not three parts separated by ':'");
  }
  if (text.substr(0, colon1) != "OCRA-1") return BadSuite(text, "only version OCRA-1 is known");

  // CryptoFunction: HOTP-<hash>-<digits>
  std::string_view function = text.substr(colon1 + 1, colon2 - colon1 - 1);
  if (function.substr(0, 5) != "HOTP-") return BadSuite(text, "the function is not HOTP");
  function.remove_prefix(5);
  const size_t dash = function.find('-');
  if (dash == std::string_view::npos) return BadSuite(text, "the function has no digits");
  std::optional<OtpHash> hash = ParseOtpHash(function.substr(0, dash));
  if (!hash) return BadSuite(text, "the hash is not SHA1, SHA256 or SHA512");
  suite.hash = *hash;
  std::optional<int> digits = SmallNumber(function.substr(dash + 1));
  if (!digits || *digits < 4 || *digits > 10) {
    return BadSuite(text, "the response has 4 to 10 digits");
  }
  suite.digits = *digits;

  // DataInput: [C-]Q..[-P..][-S..][-T..], in that order.
  std::string_view data = text.substr(colon2 + 1);
  bool question_seen = false;
  size_t next_rank = 0;  // C, Q, P, S, T: each at most once, in the RFC's order
  static constexpr std::string_view kOrder = "CQPST";
  while (!data.empty()) {
    const size_t next = data.find('-');
    std::string_view part = data.substr(0, next);
    data = next == std::string_view::npos ? std::string_view() : data.substr(next + 1);
    if (next != std::string_view::npos && data.empty()) return BadSuite(text, "ends with '-'");
    if (part.empty()) return BadSuite(text, "an empty data input");
    const char kind = part[0];
    const size_t rank = kOrder.find(kind);
    if (rank == std::string_view::npos || rank < next_rank) {
      return BadSuite(text, "data inputs out of order, repeated or unknown");
    }
    next_rank = rank + 1;
    if (kind == 'C') {
      if (part != "C") return BadSuite(text, "bad counter");
      suite.counter = true;
    } else if (kind == 'Q') {
      if (part.size() != 4) return BadSuite(text, "bad challenge (Qfnn)");
      suite.question_format = part[1];
      if (suite.question_format != 'A' && suite.question_format != 'N' &&
          suite.question_format != 'H') {
        return BadSuite(text, "the challenge format is A, N or H");
      }
      std::optional<int> size = SmallNumber(part.substr(2));
      if (!size || *size < 4 || *size > 64) return BadSuite(text, "a challenge of 4 to 64");
      suite.question_max = *size;
      question_seen = true;
    } else if (kind == 'P') {
      suite.pin_hash = ParseOtpHash(part.substr(1));
      if (!suite.pin_hash) return BadSuite(text, "the PIN hash is SHA1, SHA256 or SHA512");
    } else if (kind == 'S') {
      std::optional<int> size = SmallNumber(part.substr(1));
      if (part.size() != 4 || !size || *size < 1 || *size > 512) {
        return BadSuite(text, "session data is S001..S512");
      }
      suite.session_size = *size;
    } else {  // T
      if (part.size() < 3) return BadSuite(text, "a time step is T<n><S|M|H>");
      std::optional<int> n = SmallNumber(part.substr(1, part.size() - 2));
      const char unit = part.back();
      const bool ok =
          n && *n >= 1 &&
          ((unit == 'S' && *n <= 59) || (unit == 'M' && *n <= 59) || (unit == 'H' && *n <= 48));
      if (!ok) return BadSuite(text, "a time step is 1-59S, 1-59M or 1-48H");
      suite.time_step_seconds = int64_t(*n) * (unit == 'S' ? 1 : unit == 'M' ? 60 : 3600);
    }
  }
  if (!question_seen) return BadSuite(text, "no challenge (Q)");
  return suite;
}

Result<std::string> Ocra(const OcraSuite& suite, const SecureBytes& key, const OcraInput& input) {
  Bytes message = ToBytes(suite.text);
  message.push_back(0x00);
  if (suite.counter) AppendBigEndian(message, input.counter);
  SAMP11_ASSIGN_OR_RETURN(Bytes question, QuestionBytes(suite, input.question));
  message.insert(message.end(), question.begin(), question.end());
  if (suite.pin_hash) {
    if (input.pin_hash.size() != OtpHashSize(*suite.pin_hash)) {
      return Status(Code::kArgumentsBad, "the PIN hash has the wrong length for the suite");
    }
    message.insert(message.end(), input.pin_hash.begin(), input.pin_hash.end());
  }
  if (suite.session_size > 0) {
    if (input.session.size() != static_cast<size_t>(suite.session_size)) {
      return Status(Code::kArgumentsBad, "the session data has the wrong length for the suite");
    }
    message.insert(message.end(), input.session.begin(), input.session.end());
  }
  if (suite.time_step_seconds > 0) AppendBigEndian(message, input.time_steps);
  SAMP11_ASSIGN_OR_RETURN(SecureBytes mac, OtpHmac(suite.hash, key, message));
  return TruncateOtp(mac, suite.digits);
}

}  // namespace samp11
