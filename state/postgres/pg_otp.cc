// Signers' OTP enrolments: the signer_otp table.
#include <string>

#include "state/postgres/pg_rows.h"
#include "state/postgres/pg_stores.h"

namespace samp11 {

Status PgOtpStore::UpsertSignerOtp(const SignerOtpRow& row) {
  auto lock = c_.Lock();
  Result<PgRows> set = c_.Exec(
      "enrolling a one-time password",
      std::string("INSERT INTO signer_otp(") + kPgOtpColumns +
          ") VALUES($1, $2, $3, $4, $5, $6, $7) ON CONFLICT(name, kind) DO UPDATE SET params = "
          "excluded.params, secret = excluded.secret, created = excluded.created, last_step = "
          "excluded.last_step, failures = excluded.failures",
      PgParams()
          .Text(row.name)
          .Text(row.kind)
          .Text(row.params)
          .Blob(row.wrapped_secret)
          .Int64(row.created)
          .Int64(row.last_step)
          .Int64(row.failures));
  // Only the foreign key to signers refuses it (kNotFound): a taken (name, kind) is an update.
  if (set.status().code() == Code::kNotFound) {
    return Status(Code::kNotFound, "no signer '" + row.name + "'");
  }
  return set.status();
}

Result<std::optional<SignerOtpRow>> PgOtpStore::FindSignerOtp(std::string_view name,
                                                              std::string_view kind) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(PgRows rows, c_.Exec("reading a one-time password enrolment",
                                               std::string("SELECT ") + kPgOtpColumns +
                                                   " FROM signer_otp WHERE name = $1 AND kind = $2",
                                               PgParams().Text(name).Text(kind)));
  return PgReadOne(rows, PgReadOtpRow);
}

// Each of the two counters is tested and set in one statement, committed on its own: two checks
// racing (threads, processes or nodes) cannot both pass, since the second waits for the first's
// row and tests it again on what it wrote (READ COMMITTED's re-check of an updated row).
Result<bool> PgOtpStore::AdvanceOtpStep(std::string_view name, std::string_view kind,
                                        int64_t step) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(
      PgRows moved, c_.Exec("accepting a one-time password step",
                            "UPDATE signer_otp SET last_step = $3 WHERE name = $1 AND kind = $2 "
                            "AND last_step < $3",
                            PgParams().Text(name).Text(kind).Int64(step)));
  return moved.affected() == 1;
}

Result<bool> PgOtpStore::TakeOtpTry(std::string_view name, std::string_view kind,
                                    int64_t max_tries) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(
      PgRows taken, c_.Exec("taking a one-time password try",
                            "UPDATE signer_otp SET failures = failures + 1 WHERE name = $1 AND "
                            "kind = $2 AND failures < $3",
                            PgParams().Text(name).Text(kind).Int64(max_tries)));
  return taken.affected() == 1;
}

Status PgOtpStore::ResetOtpFailures(std::string_view name, std::string_view kind) {
  auto lock = c_.Lock();
  return c_
      .Exec("resetting one-time password failures",
            "UPDATE signer_otp SET failures = 0 WHERE name = $1 AND kind = $2",
            PgParams().Text(name).Text(kind))
      .status();
}

}  // namespace samp11
