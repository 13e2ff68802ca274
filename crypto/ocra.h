// OCRA, the OATH challenge-response algorithm (RFC 6287): a code computed over a suite, a
// challenge and optional counter, PIN hash, session data and time step. samp11 uses it with the
// document hash as the challenge, so that a response approves exactly one document (docs/sad.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/otp.h"

namespace samp11 {

// A parsed suite "OCRA-1:HOTP-<hash>-<digits>:[C-]Q<f><nn>[-P<hash>][-S<nnn>][-T<g>]".
struct OcraSuite {
  std::string text;  // the suite string as given: it is the first input of the HMAC
  OtpHash hash = OtpHash::kSha1;
  int digits = 6;                   // 4..10 (0, the full HMAC, is refused here)
  bool counter = false;             // C
  char question_format = 'N';       // 'A' alphanumeric, 'N' numeric, 'H' hex
  int question_max = 8;             // 4..64 characters
  std::optional<OtpHash> pin_hash;  // P
  int session_size = 0;             // S, bytes (0: none)
  int64_t time_step_seconds = 0;    // T (0: none)
};

Result<OcraSuite> ParseOcraSuite(std::string_view text);

struct OcraInput {
  uint64_t counter = 0;     // when the suite has C
  std::string question;     // in the suite's format, at most question_max characters
  Bytes pin_hash;           // when the suite has P: the hash of the PIN, its algorithm's size
  Bytes session;            // when the suite has S: exactly session_size bytes
  uint64_t time_steps = 0;  // when the suite has T: floor(unix time / time_step_seconds)
};

// The response, `digits` decimal digits.
Result<std::string> Ocra(const OcraSuite& suite, const SecureBytes& key, const OcraInput& input);

}  // namespace samp11
