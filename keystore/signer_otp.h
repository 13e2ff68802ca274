// Signers' one-time passwords: a TOTP secret (RFC 6238), the second factor of a SCAL1 PIN login
// ("NAME:PIN:CODE"), and an OCRA secret (RFC 6287), whose response over a document hash activates
// a SCAL2 signature of exactly that hash (docs/sad.md, "OCRA"). Each secret is made here, wrapped
// under the master key with its parameters as associated data (aad.h), opened only to compute
// the expected code, wiped after use, and compared in constant time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/ocra.h"
#include "crypto/otp.h"
#include "keystore/audit_log.h"
#include "keystore/keystore_context.h"
#include "keystore/signers.h"

namespace samp11 {

inline constexpr char kOtpKindTotp[] = "totp";
inline constexpr char kOtpKindOcra[] = "ocra";

struct TotpParams {
  OtpHash hash = OtpHash::kSha1;
  int digits = 6;       // 6 or 8
  int64_t period = 30;  // seconds, 15..300
};

// "SHA1:6:30" and back; kArgumentsBad for anything else than what CheckTotpParams accepts.
std::string TotpParamsText(const TotpParams& params);
Result<TotpParams> ParseTotpParams(std::string_view text);
Status CheckTotpParams(const TotpParams& params);

// What a TOTP check found. Only kOk lets a login through.
enum class OtpCheck { kOk, kWrong, kReused, kNotEnrolled };

// What an OCRA check found (CheckOcra).
struct OcraCheck {
  enum Result { kOk, kWrong, kLocked, kNotEnrolled };
  Result result = kNotEnrolled;
  int remaining = 0;      // tries left after a wrong response
  int64_t time_step = 0;  // the suite's T step the response was computed for (0: no T)
  // Names the enrolment that checked it (SHA-256 of its wrapped secret, new at each enrolment):
  // a signature made later asks OcraEnrolment whether it is still the one.
  Bytes enrolment;
};

class SignerOtp {
 public:
  SignerOtp(KeystoreContext& context, AuditLog& audit, Signers& signers)
      : context_(context), audit_(audit), signers_(signers) {}
  SignerOtp(const SignerOtp&) = delete;
  SignerOtp& operator=(const SignerOtp&) = delete;

  // Makes a new TOTP secret for the signer (replacing any, so that every earlier code and
  // authenticator stops working), stores it wrapped, and returns it once: for the otpauth URI the
  // caller shows the signer. Audited (signer-set-totp; the secret never is).
  Result<SecureBytes> EnrolTotp(const std::string& signer, const TotpParams& params);
  Result<bool> HasTotp(const std::string& signer);
  // Checks code against the steps now - 1, now and now + 1 (one period of skew each way), and
  // accepts the step that matches only if it is later than every step accepted before, in one
  // atomic update (two logins with one code, in any process: one wins). kTampered if the
  // enrolment fails its integrity check.
  Result<OtpCheck> CheckTotp(const std::string& signer, std::string_view code, int64_t now);

  // Enrols an OCRA secret under suite (RFC 6287 syntax): its challenge must take a SHA-256 hash
  // in hex (QH64), no counter (C) or session data (S); a PIN hash (P) takes pin, a time step (T)
  // is allowed. Replaces any enrolment and clears its failures: re-enrolment is how a locked
  // signer is unlocked. Returns the secret once, for the signer's token. Audited
  // (signer-set-ocra).
  Result<SecureBytes> EnrolOcra(const std::string& signer, std::string_view suite,
                                std::optional<std::string_view> pin);
  // The current OCRA enrolment's name (as OcraCheck::enrolment), authenticated; nullopt if none.
  Result<std::optional<Bytes>> OcraEnrolment(const std::string& signer);
  // The enrolled suite, or nullopt.
  Result<std::optional<OcraSuite>> OcraSuiteOf(const std::string& signer);
  // Checks an OCRA response over hash (the challenge: its lower-case hex) for the signer. One try
  // is taken, durably, before the comparison; max_tries wrong responses in a row lock the
  // enrolment (kLocked, nothing computed) until it is made again. With a T suite the steps now -
  // 1, now and now + 1 are tried and the one that matched is returned.
  Result<OcraCheck> CheckOcra(const std::string& signer, const Bytes& hash,
                              std::string_view response, int64_t now, int max_tries);

 private:
  Result<SecureBytes> Enrol(const std::string& signer, const std::string& kind,
                            const std::string& params, SecureBytes secret);
  Result<std::optional<SignerOtpRow>> Find(const std::string& signer, const char* kind);
  Result<SecureBytes> Open(const SignerOtpRow& row);

  KeystoreContext& context_;
  AuditLog& audit_;
  Signers& signers_;
};

}  // namespace samp11
