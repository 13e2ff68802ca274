// Signers' OTP enrolments: the signer_otp table.
#include <string>

#include "state/sqlite/sqlite_rows.h"
#include "state/sqlite/sqlite_stores.h"

namespace samp11 {
namespace {

// One UPDATE that tests and changes a counter, committed (synced) before it returns: two checks
// racing (threads or processes) cannot both pass, and a killed process cannot undo it. Returns
// whether a row changed. sql names its parameters ?1 (name), ?2 (kind), ?3 (value).
Result<bool> CountedUpdate(SqliteConnection& c, const char* sql, std::string_view name,
                           std::string_view kind, int64_t value) {
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(c.db()));
  SAMP11_ASSIGN_OR_RETURN(auto stmt, c.Prepare(sql));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(1, name));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(2, kind));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(3, value));
  SAMP11_RETURN_IF_ERROR(stmt.Run());
  const bool changed = sqlite3_changes64(c.db()) == 1;
  SAMP11_RETURN_IF_ERROR(tx->Commit());
  return changed;
}

}  // namespace

Status SqliteOtpStore::UpsertSignerOtp(const SignerOtpRow& row) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(c_.db()));
  SAMP11_ASSIGN_OR_RETURN(auto stmt, c_.Prepare(std::string("INSERT OR REPLACE INTO signer_otp(") +
                                                kOtpColumns + ") VALUES(?, ?, ?, ?, ?, ?, ?)"));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(1, row.name));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(2, row.kind));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(3, row.params));
  SAMP11_RETURN_IF_ERROR(stmt.BindBlob(4, row.wrapped_secret));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(5, row.created));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(6, row.last_step));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(7, row.failures));
  int rc = stmt.StepRaw();
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
    return Status(Code::kNotFound, "no signer '" + row.name + "'");
  }
  if (rc != SQLITE_DONE) return SqliteError(c_.db(), "enrolling a one-time password");
  return tx->Commit();
}

Result<std::optional<SignerOtpRow>> SqliteOtpStore::FindSignerOtp(std::string_view name,
                                                                  std::string_view kind) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto stmt, c_.Prepare(std::string("SELECT ") + kOtpColumns +
                                                " FROM signer_otp WHERE name = ? AND kind = ?"));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(1, name));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(2, kind));
  return ReadOne(stmt, ReadOtpRow);
}

Result<bool> SqliteOtpStore::AdvanceOtpStep(std::string_view name, std::string_view kind,
                                            int64_t step) {
  auto lock = c_.Lock();
  return CountedUpdate(c_,
                       "UPDATE signer_otp SET last_step = ?3 WHERE name = ?1 AND kind = ?2 AND "
                       "last_step < ?3",
                       name, kind, step);
}

Result<bool> SqliteOtpStore::TakeOtpTry(std::string_view name, std::string_view kind,
                                        int64_t max_tries) {
  auto lock = c_.Lock();
  return CountedUpdate(c_,
                       "UPDATE signer_otp SET failures = failures + 1 WHERE name = ?1 AND "
                       "kind = ?2 AND failures < ?3",
                       name, kind, max_tries);
}

Status SqliteOtpStore::ResetOtpFailures(std::string_view name, std::string_view kind) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(c_.db()));
  SAMP11_ASSIGN_OR_RETURN(
      auto stmt, c_.Prepare("UPDATE signer_otp SET failures = 0 WHERE name = ? AND kind = ?"));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(1, name));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(2, kind));
  SAMP11_RETURN_IF_ERROR(stmt.Run());
  return tx->Commit();
}

}  // namespace samp11
