// Signers' one-time-password enrolments (TOTP, OCRA) and their counters.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "state/rows.h"

namespace samp11 {

class OtpStore {
 public:
  virtual ~OtpStore() = default;

  // Sets a signer's enrolment of row.kind, replacing any, with last_step and failures as in row
  // (a new enrolment starts them at 0: it is also how an operator unlocks a signer); kNotFound
  // if the signer is not enrolled.
  virtual Status UpsertSignerOtp(const SignerOtpRow& row) = 0;
  virtual Result<std::optional<SignerOtpRow>> FindSignerOtp(std::string_view name,
                                                            std::string_view kind) = 0;
  // Accepts a time step once: last_step = step, durably and atomically, only while last_step <
  // step (two logins racing with one code, in any process: one wins). false, changing nothing:
  // the step (or a later one) was accepted already, or there is no enrolment.
  virtual Result<bool> AdvanceOtpStep(std::string_view name, std::string_view kind,
                                      int64_t step) = 0;
  // Takes one try before a response is checked: failures + 1, durably and atomically, only while
  // failures < max_tries. false, changing nothing: locked, or no enrolment.
  virtual Result<bool> TakeOtpTry(std::string_view name, std::string_view kind,
                                  int64_t max_tries) = 0;
  // After a right response: failures = 0.
  virtual Status ResetOtpFailures(std::string_view name, std::string_view kind) = 0;
};

}  // namespace samp11
