#include "keystore/sqlite_requests.h"

#include "keystore/sqlite_util.h"

namespace samp11 {
namespace {

constexpr char kColumns[] =
    "id, created, expires, signer, key_id, request_json, state, detail, updated";

// Ended requests stay listed for an hour (`samp11 sad requests --all` shows how they ended).
constexpr int64_t kKeepEndedSeconds = 3600;

SadRequestRow ReadRow(SqliteStatement& stmt) {
  SadRequestRow row;
  row.id = stmt.ColumnText(0);
  row.created = stmt.ColumnInt64(1);
  row.expires = stmt.ColumnInt64(2);
  row.signer = stmt.ColumnText(3);
  row.key_id = stmt.ColumnBlob(4);
  row.request_json = stmt.ColumnText(5);
  row.state = stmt.ColumnText(6);
  row.detail = stmt.ColumnText(7);
  row.updated = stmt.ColumnInt64(8);
  return row;
}

}  // namespace

Status SqliteInsertSadRequest(sqlite3* db, const SadRequestRow& row) {
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(db));
  {
    SAMP11_ASSIGN_OR_RETURN(
        auto purge, SqliteStatement::Prepare(db, "DELETE FROM sad_requests WHERE expires < ?"));
    SAMP11_RETURN_IF_ERROR(purge.BindInt64(1, row.created - kKeepEndedSeconds));
    SAMP11_RETURN_IF_ERROR(purge.Run());
  }
  SAMP11_ASSIGN_OR_RETURN(
      auto stmt, SqliteStatement::Prepare(db, std::string("INSERT INTO sad_requests(") + kColumns +
                                                  ") VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(1, row.id));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(2, row.created));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(3, row.expires));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(4, row.signer));
  SAMP11_RETURN_IF_ERROR(stmt.BindBlob(5, row.key_id));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(6, row.request_json));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(7, row.state));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(8, row.detail));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(9, row.updated));
  int rc = stmt.StepRaw();
  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return Status(Code::kAlreadyExists, "activation request " + row.id + " exists");
  }
  if (rc != SQLITE_DONE) return SqliteError(db, "recording an activation request");
  return tx->Commit();
}

Result<std::optional<SadRequestRow>> SqliteFindSadRequest(sqlite3* db, std::string_view id) {
  SAMP11_ASSIGN_OR_RETURN(
      auto stmt, SqliteStatement::Prepare(
                     db, std::string("SELECT ") + kColumns + " FROM sad_requests WHERE id = ?"));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(1, id));
  SAMP11_ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return std::optional<SadRequestRow>();
  return std::optional<SadRequestRow>(ReadRow(stmt));
}

Result<std::vector<SadRequestRow>> SqliteListPendingSadRequests(sqlite3* db, int64_t now,
                                                                size_t limit) {
  SAMP11_ASSIGN_OR_RETURN(
      auto stmt, SqliteStatement::Prepare(db, std::string("SELECT ") + kColumns +
                                                  " FROM sad_requests WHERE state = 'pending' "
                                                  "AND expires >= ? ORDER BY created, id LIMIT ?"));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(1, now));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(2, static_cast<int64_t>(limit)));
  std::vector<SadRequestRow> rows;
  for (;;) {
    SAMP11_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) return rows;
    rows.push_back(ReadRow(stmt));
  }
}

Result<bool> SqliteEndSadRequest(sqlite3* db, std::string_view id, std::string_view state,
                                 std::string_view detail, int64_t now) {
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(db));
  // Only a pending request ends, and only once: a late refusal cannot overwrite an answer.
  SAMP11_ASSIGN_OR_RETURN(
      auto stmt, SqliteStatement::Prepare(db,
                                          "UPDATE sad_requests SET state = ?, detail = ?, "
                                          "updated = ? WHERE id = ? AND state = 'pending'"));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(1, state));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(2, detail));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(3, now));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(4, id));
  SAMP11_RETURN_IF_ERROR(stmt.Run());
  const bool ended = sqlite3_changes64(db) == 1;
  SAMP11_RETURN_IF_ERROR(tx->Commit());
  return ended;
}

}  // namespace samp11
