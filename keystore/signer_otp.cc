// Signers' TOTP and OCRA secrets: enrolment, and the checks a login or an activation makes.
#include "keystore/signer_otp.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "crypto/digest.h"
#include "crypto/random.h"
#include "crypto/symmetric.h"
#include "keystore/aad.h"
#include "keystore/audit.h"

namespace samp11 {
namespace {

std::string EnrolmentName(const std::string& signer, const std::string& kind) {
  return "the " + kind + " enrolment of signer '" + signer + "'";
}

bool SameCode(const std::string& expected, std::string_view given) {
  return ConstantTimeEqual(reinterpret_cast<const uint8_t*>(expected.data()), expected.size(),
                           reinterpret_cast<const uint8_t*>(given.data()), given.size());
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::string TotpParamsText(const TotpParams& params) {
  return std::string(OtpHashName(params.hash)) + ":" + std::to_string(params.digits) + ":" +
         std::to_string(params.period);
}

Status CheckTotpParams(const TotpParams& params) {
  if (params.hash != OtpHash::kSha1 && params.hash != OtpHash::kSha256) {
    return Status(Code::kArgumentsBad, "a TOTP algorithm is SHA1 or SHA256");
  }
  if (params.digits != 6 && params.digits != 8) {
    return Status(Code::kArgumentsBad, "a TOTP code has 6 or 8 digits");
  }
  if (params.period < 15 || params.period > 300) {
    return Status(Code::kArgumentsBad, "a TOTP period is 15 to 300 seconds");
  }
  return Status::Ok();
}

Result<TotpParams> ParseTotpParams(std::string_view text) {
  const size_t first = text.find(':');
  const size_t second = first == std::string_view::npos ? first : text.find(':', first + 1);
  if (second == std::string_view::npos) {
    return Status(Code::kArgumentsBad, "TOTP parameters are ALG:DIGITS:PERIOD");
  }
  std::optional<OtpHash> hash = ParseOtpHash(text.substr(0, first));
  const std::string_view digits = text.substr(first + 1, second - first - 1);
  const std::string_view period = text.substr(second + 1);
  if (!hash || !AllDigits(digits) || digits.size() > 2 || !AllDigits(period) || period.size() > 3) {
    return Status(Code::kArgumentsBad, "TOTP parameters are ALG:DIGITS:PERIOD");
  }
  TotpParams params;
  params.hash = *hash;
  params.digits = std::stoi(std::string(digits));
  params.period = std::stoll(std::string(period));
  SAMP11_RETURN_IF_ERROR(CheckTotpParams(params));
  return params;
}

Result<SecureBytes> SignerOtp::Enrol(const std::string& signer, const std::string& kind,
                                     const std::string& params, SecureBytes secret) {
  SAMP11_ASSIGN_OR_RETURN(bool enrolled, signers_.SignerExists(signer));
  if (!enrolled) return Status(Code::kNotFound, "no signer '" + signer + "'");
  SignerOtpRow row;
  row.name = signer;
  row.kind = kind;
  row.params = params;
  row.created = context_.clock.NowSeconds();
  SAMP11_ASSIGN_OR_RETURN(row.wrapped_secret, AeadSeal(context_.keys.wrap, OtpWrapAad(row),
                                                       secret.data(), secret.size()));
  SAMP11_RETURN_IF_ERROR(context_.state.otp().UpsertSignerOtp(row));
  return secret;
}

Result<SecureBytes> SignerOtp::EnrolTotp(const std::string& signer, const TotpParams& params) {
  SAMP11_RETURN_IF_ERROR(audit_.CheckWritable());
  AuditEvent audit;
  audit.event = audit_event::kSignerSetTotp;
  audit.signer = signer;
  audit.detail = TotpParamsText(params);
  Result<SecureBytes> made = [&]() -> Result<SecureBytes> {
    SAMP11_RETURN_IF_ERROR(CheckTotpParams(params));
    // C_Login takes "NAME:PIN:CODE": a name with ':' in it could not be told apart.
    if (signer.find(':') != std::string::npos) {
      return Status(Code::kArgumentsBad, "a signer whose name contains ':' cannot log in by PIN");
    }
    SecureBytes secret(OtpHashSize(params.hash));
    SAMP11_RETURN_IF_ERROR(RandomFill(secret.data(), secret.size()));
    return Enrol(signer, kOtpKindTotp, TotpParamsText(params), std::move(secret));
  }();
  SAMP11_RETURN_IF_ERROR(audit_.Record(std::move(audit), made.status()));
  return made;
}

Result<std::optional<SignerOtpRow>> SignerOtp::Find(const std::string& signer, const char* kind) {
  return context_.state.otp().FindSignerOtp(signer, kind);
}

Result<SecureBytes> SignerOtp::Open(const SignerOtpRow& row) {
  Result<SecureBytes> secret = AeadOpen(context_.keys.wrap, OtpWrapAad(row), row.wrapped_secret);
  if (!secret.ok()) {
    return context_.ExplainStaleKey(
        Status(Code::kTampered, EnrolmentName(row.name, row.kind) + " failed its integrity check"));
  }
  return secret;
}

Result<bool> SignerOtp::HasTotp(const std::string& signer) {
  SAMP11_ASSIGN_OR_RETURN(std::optional<SignerOtpRow> row, Find(signer, kOtpKindTotp));
  return row.has_value();
}

Result<OtpCheck> SignerOtp::CheckTotp(const std::string& signer, std::string_view code,
                                      int64_t now) {
  SAMP11_ASSIGN_OR_RETURN(std::optional<SignerOtpRow> row, Find(signer, kOtpKindTotp));
  if (!row) return OtpCheck::kNotEnrolled;
  SAMP11_ASSIGN_OR_RETURN(SecureBytes secret, Open(*row));
  // The parameters were authenticated with the secret (OtpWrapAad).
  SAMP11_ASSIGN_OR_RETURN(TotpParams params, ParseTotpParams(row->params));
  if (code.size() != static_cast<size_t>(params.digits) || !AllDigits(code)) {
    return OtpCheck::kWrong;  // its length is no secret: nothing to compute
  }
  const int64_t step = TotpStep(now, params.period);
  // Every candidate is computed and compared, so the time taken does not say which one matched.
  std::optional<int64_t> matched;
  for (int64_t candidate : {step - 1, step, step + 1}) {
    if (candidate < 0) continue;
    SAMP11_ASSIGN_OR_RETURN(std::string expected,
                            Totp(params.hash, secret, candidate, params.digits));
    if (SameCode(expected, code) && !matched) matched = candidate;
    OPENSSL_cleanse(expected.data(), expected.size());
  }
  if (!matched) return OtpCheck::kWrong;
  SAMP11_ASSIGN_OR_RETURN(bool fresh,
                          context_.state.otp().AdvanceOtpStep(signer, kOtpKindTotp, *matched));
  return fresh ? OtpCheck::kOk : OtpCheck::kReused;
}

Result<SecureBytes> SignerOtp::EnrolOcra(const std::string& signer, std::string_view suite_text,
                                         std::optional<std::string_view> pin) {
  SAMP11_RETURN_IF_ERROR(audit_.CheckWritable());
  AuditEvent audit;
  audit.event = audit_event::kSignerSetOcra;
  audit.signer = signer;
  audit.detail = std::string(suite_text);
  Result<SecureBytes> made = [&]() -> Result<SecureBytes> {
    SAMP11_ASSIGN_OR_RETURN(OcraSuite suite, ParseOcraSuite(suite_text));
    if (suite.question_format != 'H' || suite.question_max < 64) {
      return Status(Code::kArgumentsBad,
                    "the OCRA challenge is the document's SHA-256 hash in hex: the suite needs "
                    "QH64");
    }
    if (suite.counter || suite.session_size > 0) {
      return Status(Code::kArgumentsBad,
                    "samp11 takes OCRA suites without a counter (C) or session data (S)");
    }
    if (suite.pin_hash.has_value() != pin.has_value()) {
      return Status(Code::kArgumentsBad, suite.pin_hash ? "the suite hashes a PIN (P): give one"
                                                        : "the suite takes no PIN");
    }
    // The secret: the HMAC key (the suite hash's size), then the PIN's hash when the suite has P.
    const size_t key_size = OtpHashSize(suite.hash);
    SecureBytes secret(key_size + (suite.pin_hash ? OtpHashSize(*suite.pin_hash) : 0));
    SAMP11_RETURN_IF_ERROR(RandomFill(secret.data(), key_size));
    if (suite.pin_hash) {
      if (pin->size() < 4 || pin->size() > 64) {
        return Status(Code::kArgumentsBad, "an OCRA PIN has 4 to 64 characters");
      }
      SAMP11_ASSIGN_OR_RETURN(
          Bytes pin_hash,
          OtpDigest(*suite.pin_hash, reinterpret_cast<const uint8_t*>(pin->data()), pin->size()));
      std::copy(pin_hash.begin(), pin_hash.end(), secret.data() + key_size);
      OPENSSL_cleanse(pin_hash.data(), pin_hash.size());
    }
    return Enrol(signer, kOtpKindOcra, suite.text, std::move(secret));
  }();
  SAMP11_RETURN_IF_ERROR(audit_.Record(std::move(audit), made.status()));
  return made;
}

Result<std::optional<Bytes>> SignerOtp::OcraEnrolment(const std::string& signer) {
  SAMP11_ASSIGN_OR_RETURN(std::optional<SignerOtpRow> row, Find(signer, kOtpKindOcra));
  if (!row) return std::optional<Bytes>();
  SAMP11_RETURN_IF_ERROR(Open(*row).status());
  return std::optional<Bytes>(Digest(HashAlg::kSha256, row->wrapped_secret));
}

Result<std::optional<OcraSuite>> SignerOtp::OcraSuiteOf(const std::string& signer) {
  SAMP11_ASSIGN_OR_RETURN(std::optional<SignerOtpRow> row, Find(signer, kOtpKindOcra));
  if (!row) return std::optional<OcraSuite>();
  SAMP11_RETURN_IF_ERROR(Open(*row).status());  // the suite is authenticated with the secret
  SAMP11_ASSIGN_OR_RETURN(OcraSuite suite, ParseOcraSuite(row->params));
  return std::optional<OcraSuite>(std::move(suite));
}

Result<OcraCheck> SignerOtp::CheckOcra(const std::string& signer, const Bytes& hash,
                                       std::string_view response, int64_t now, int max_tries) {
  if (max_tries < 1) return Status(Code::kArgumentsBad, "max_tries must be at least 1");
  SAMP11_ASSIGN_OR_RETURN(std::optional<SignerOtpRow> row, Find(signer, kOtpKindOcra));
  if (!row) return OcraCheck{OcraCheck::kNotEnrolled, 0, 0, {}};
  SAMP11_ASSIGN_OR_RETURN(SecureBytes secret, Open(*row));
  SAMP11_ASSIGN_OR_RETURN(OcraSuite suite, ParseOcraSuite(row->params));
  OcraInput input;
  input.question = HexEncode(hash);
  if (input.question.size() > static_cast<size_t>(suite.question_max)) {
    return Status(Code::kArgumentsBad,
                  "the OCRA suite of signer '" + signer + "' takes a challenge of at most " +
                      std::to_string(suite.question_max) + " hex digits: a SHA-256 hash");
  }
  // The try is taken before the comparison, as for a PIN: no guess goes uncounted, whatever
  // crashes or races. A locked enrolment is refused here, before anything is computed.
  SAMP11_ASSIGN_OR_RETURN(bool taken,
                          context_.state.otp().TakeOtpTry(signer, kOtpKindOcra, max_tries));
  if (!taken) return OcraCheck{OcraCheck::kLocked, 0, 0, {}};

  const size_t key_size = OtpHashSize(suite.hash);
  SecureBytes key(secret.data(), key_size);
  if (suite.pin_hash)
    input.pin_hash.assign(secret.data() + key_size, secret.data() + secret.size());
  std::vector<int64_t> steps = {0};
  if (suite.time_step_seconds > 0) {
    const int64_t step = now / suite.time_step_seconds;
    steps = {step - 1, step, step + 1};
  }
  std::optional<int64_t> matched;
  for (int64_t step : steps) {
    if (step < 0) continue;
    input.time_steps = static_cast<uint64_t>(step);
    SAMP11_ASSIGN_OR_RETURN(std::string expected, Ocra(suite, key, input));
    if (SameCode(expected, response) && !matched) matched = step;
    OPENSSL_cleanse(expected.data(), expected.size());
  }
  OPENSSL_cleanse(input.pin_hash.data(), input.pin_hash.size());
  if (matched) {
    SAMP11_RETURN_IF_ERROR(context_.state.otp().ResetOtpFailures(signer, kOtpKindOcra));
    return OcraCheck{OcraCheck::kOk, max_tries, *matched,
                     Digest(HashAlg::kSha256, row->wrapped_secret)};
  }
  SAMP11_ASSIGN_OR_RETURN(std::optional<SignerOtpRow> after, Find(signer, kOtpKindOcra));
  const int64_t failures = after ? after->failures : max_tries;
  const int remaining = static_cast<int>(std::max<int64_t>(0, max_tries - failures));
  if (remaining == 0) {
    AuditEvent locked;
    locked.event = audit_event::kOcraLocked;
    locked.outcome = audit_outcome::kRefused;
    locked.signer = signer;
    locked.detail = std::to_string(max_tries) + " wrong OCRA responses in a row";
    SAMP11_RETURN_IF_ERROR(audit_.Append(locked));
  }
  return OcraCheck{OcraCheck::kWrong, remaining, 0, {}};
}

}  // namespace samp11
