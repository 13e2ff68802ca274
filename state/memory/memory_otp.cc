// Signers' OTP enrolments and their counters.
#include <string>

#include "state/memory/memory_stores.h"

namespace samp11 {

Status MemoryOtpStore::UpsertSignerOtp(const SignerOtpRow& row) {
  auto lock = c_.Lock();
  MemoryTables& tables = c_.tables();
  if (tables.signers.count(row.name) == 0) {
    return Status(Code::kNotFound, "no signer '" + row.name + "'");
  }
  tables.otp[OtpKey{row.name, row.kind}] = row;
  c_.Wrote(/*signing_path=*/false);
  return Status::Ok();
}

Result<std::optional<SignerOtpRow>> MemoryOtpStore::FindSignerOtp(std::string_view name,
                                                                  std::string_view kind) {
  auto lock = c_.Lock();
  auto found = c_.tables().otp.find(OtpKey{std::string(name), std::string(kind)});
  if (found == c_.tables().otp.end()) return std::optional<SignerOtpRow>();
  return std::optional<SignerOtpRow>(found->second);
}

Result<bool> MemoryOtpStore::AdvanceOtpStep(std::string_view name, std::string_view kind,
                                            int64_t step) {
  auto lock = c_.Lock();
  // Tested and moved under one lock: two logins racing with one code cannot both win.
  auto found = c_.tables().otp.find(OtpKey{std::string(name), std::string(kind)});
  if (found == c_.tables().otp.end() || found->second.last_step >= step) return false;
  found->second.last_step = step;
  c_.Wrote(/*signing_path=*/false);
  return true;
}

Result<bool> MemoryOtpStore::TakeOtpTry(std::string_view name, std::string_view kind,
                                        int64_t max_tries) {
  auto lock = c_.Lock();
  auto found = c_.tables().otp.find(OtpKey{std::string(name), std::string(kind)});
  if (found == c_.tables().otp.end() || found->second.failures >= max_tries) return false;
  ++found->second.failures;
  c_.Wrote(/*signing_path=*/false);
  return true;
}

Status MemoryOtpStore::ResetOtpFailures(std::string_view name, std::string_view kind) {
  auto lock = c_.Lock();
  auto found = c_.tables().otp.find(OtpKey{std::string(name), std::string(kind)});
  if (found != c_.tables().otp.end()) {
    found->second.failures = 0;
    c_.Wrote(/*signing_path=*/false);
  }
  return Status::Ok();
}

}  // namespace samp11
