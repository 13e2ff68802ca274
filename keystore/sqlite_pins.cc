#include "keystore/sqlite_pins.h"

#include "keystore/sqlite_rekey.h"
#include "keystore/sqlite_util.h"

namespace samp11 {
namespace {

constexpr char kPinColumns[] = "name, salt, hash, failures, mac";

SignerPinRow ReadPinRow(SqliteStatement& stmt) {
  SignerPinRow row;
  row.name = stmt.ColumnText(0);
  row.salt = stmt.ColumnBlob(1);
  row.hash = stmt.ColumnBlob(2);
  row.failures = stmt.ColumnInt64(3);
  row.mac = stmt.ColumnBlob(4);
  return row;
}

}  // namespace

Status SqliteUpsertSignerPin(sqlite3* db, const SignerPinRow& row) {
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(db));
  // A new PIN starts with no failures: setting it is also how an operator unlocks a signer.
  SAMP11_ASSIGN_OR_RETURN(
      auto stmt,
      SqliteStatement::Prepare(
          db,
          "INSERT INTO signer_pins(name, salt, hash, failures, mac) VALUES(?, ?, ?, 0, ?) "
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
  if (rc != SQLITE_DONE) return SqliteError(db, "setting a PIN");
  return tx->Commit();
}

Result<std::optional<SignerPinRow>> SqliteFindSignerPin(sqlite3* db, std::string_view name) {
  SAMP11_ASSIGN_OR_RETURN(auto stmt,
                          SqliteStatement::Prepare(db, std::string("SELECT ") + kPinColumns +
                                                           " FROM signer_pins WHERE name = ?"));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(1, name));
  SAMP11_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  if (!has_row) return std::optional<SignerPinRow>();
  return std::optional<SignerPinRow>(ReadPinRow(stmt));
}

Result<std::vector<SignerPinRow>> SqliteListSignerPins(sqlite3* db) {
  SAMP11_ASSIGN_OR_RETURN(
      auto stmt, SqliteStatement::Prepare(
                     db, std::string("SELECT ") + kPinColumns + " FROM signer_pins ORDER BY name"));
  std::vector<SignerPinRow> rows;
  for (;;) {
    SAMP11_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) return rows;
    rows.push_back(ReadPinRow(stmt));
  }
}

Result<bool> SqliteTakePinTry(sqlite3* db, std::string_view name, int64_t max_tries) {
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(db));
  // One statement tests and takes the try: two checks racing (threads or processes) cannot both
  // take the last one. The commit is synced, so killing the process mid-check cannot undo it.
  SAMP11_ASSIGN_OR_RETURN(auto stmt,
                          SqliteStatement::Prepare(db,
                                                   "UPDATE signer_pins SET failures = failures + 1 "
                                                   "WHERE name = ? AND failures < ?"));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(1, name));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(2, max_tries));
  SAMP11_RETURN_IF_ERROR(stmt.Run());
  const bool taken = sqlite3_changes64(db) == 1;
  SAMP11_RETURN_IF_ERROR(tx->Commit());
  return taken;
}

Status SqliteResetPinFailures(sqlite3* db, std::string_view name) {
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(db));
  SAMP11_ASSIGN_OR_RETURN(auto stmt, SqliteStatement::Prepare(
                                         db, "UPDATE signer_pins SET failures = 0 WHERE name = ?"));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(1, name));
  SAMP11_RETURN_IF_ERROR(stmt.Run());
  return tx->Commit();
}

Status SqliteRekeyPins(sqlite3* db, const RekeyPlan& plan) {
  return RekeyTable<SignerPinRow>(
      db,
      std::string("SELECT ") + kPinColumns +
          ", rowid FROM signer_pins WHERE rowid > ? ORDER BY rowid LIMIT ?",
      ReadPinRow, 5, plan.pin, "UPDATE signer_pins SET mac = ? WHERE rowid = ?",
      [](SqliteStatement& update, const SignerPinRow& row, int64_t rowid) -> Status {
        SAMP11_RETURN_IF_ERROR(update.BindBlob(1, row.mac));
        return update.BindInt64(2, rowid);
      });
}

}  // namespace samp11
