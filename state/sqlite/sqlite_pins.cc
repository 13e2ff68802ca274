// Signers' PINs: the signer_pins table.
#include <string>

#include "state/sqlite/sqlite_rows.h"
#include "state/sqlite/sqlite_stores.h"

namespace samp11 {

Status SqlitePinStore::UpsertSignerPin(const SignerPinRow& row) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(c_.db()));
  // A new PIN starts with no failures: setting it is also how an operator unlocks a signer.
  SAMP11_ASSIGN_OR_RETURN(
      auto stmt,
      c_.Prepare("INSERT INTO signer_pins(name, salt, hash, failures, mac) VALUES(?, ?, ?, 0, ?) "
                 "ON CONFLICT(name) DO UPDATE SET salt = excluded.salt, hash = excluded.hash, "
                 "failures = 0, mac = excluded.mac"));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(1, row.name));
  SAMP11_RETURN_IF_ERROR(stmt.BindBlob(2, row.salt));
  SAMP11_RETURN_IF_ERROR(stmt.BindBlob(3, row.hash));
  SAMP11_RETURN_IF_ERROR(stmt.BindBlob(4, row.mac));
  int rc = stmt.StepRaw();
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
    return Status(Code::kNotFound, "no signer '" + row.name + "'");
  }
  if (rc != SQLITE_DONE) return SqliteError(c_.db(), "setting a PIN");
  return tx->Commit();
}

Result<std::optional<SignerPinRow>> SqlitePinStore::FindSignerPin(std::string_view name) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto stmt, c_.Prepare(std::string("SELECT ") + kPinColumns +
                                                " FROM signer_pins WHERE name = ?"));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(1, name));
  return ReadOne(stmt, ReadPinRow);
}

Result<std::vector<SignerPinRow>> SqlitePinStore::ListSignerPins() {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto stmt, c_.Prepare(std::string("SELECT ") + kPinColumns +
                                                " FROM signer_pins ORDER BY name"));
  return ReadAll(stmt, ReadPinRow);
}

Result<bool> SqlitePinStore::TakePinTry(std::string_view name, int64_t max_tries) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(c_.db()));
  // One statement tests and takes the try: two checks racing (threads or processes) cannot both
  // take the last one. The commit is synced, so killing the process mid-check cannot undo it.
  SAMP11_ASSIGN_OR_RETURN(auto stmt, c_.Prepare("UPDATE signer_pins SET failures = failures + 1 "
                                                "WHERE name = ? AND failures < ?"));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(1, name));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(2, max_tries));
  SAMP11_RETURN_IF_ERROR(stmt.Run());
  const bool taken = sqlite3_changes64(c_.db()) == 1;
  SAMP11_RETURN_IF_ERROR(tx->Commit());
  return taken;
}

Status SqlitePinStore::ResetPinFailures(std::string_view name) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(c_.db()));
  SAMP11_ASSIGN_OR_RETURN(auto stmt,
                          c_.Prepare("UPDATE signer_pins SET failures = 0 WHERE name = ?"));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(1, name));
  SAMP11_RETURN_IF_ERROR(stmt.Run());
  return tx->Commit();
}

}  // namespace samp11
