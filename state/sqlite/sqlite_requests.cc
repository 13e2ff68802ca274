// Activation requests: the sad_requests table.
#include <string>

#include "state/sqlite/sqlite_rows.h"
#include "state/sqlite/sqlite_stores.h"

namespace samp11 {
Status SqliteRequestStore::InsertSadRequest(const SadRequestRow& row) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(c_.db()));
  {
    SAMP11_ASSIGN_OR_RETURN(auto purge, c_.Prepare("DELETE FROM sad_requests WHERE expires < ?"));
    SAMP11_RETURN_IF_ERROR(purge.BindInt64(1, row.created - kRequestKeepSeconds));
    SAMP11_RETURN_IF_ERROR(purge.Run());
  }
  SAMP11_ASSIGN_OR_RETURN(auto stmt,
                          c_.Prepare(std::string("INSERT INTO sad_requests(") + kSadRequestColumns +
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
  SAMP11_RETURN_IF_ERROR(c_.RunInsert(stmt, "activation request " + row.id + " exists"));
  return tx->Commit();
}

Result<std::optional<SadRequestRow>> SqliteRequestStore::FindSadRequest(std::string_view id) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto stmt, c_.Prepare(std::string("SELECT ") + kSadRequestColumns +
                                                " FROM sad_requests WHERE id = ?"));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(1, id));
  return ReadOne(stmt, ReadSadRequestRow);
}

Result<std::vector<SadRequestRow>> SqliteRequestStore::ListPendingSadRequests(int64_t now,
                                                                              size_t limit) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto stmt,
                          c_.Prepare(std::string("SELECT ") + kSadRequestColumns +
                                     " FROM sad_requests WHERE state = 'pending' AND expires >= ? "
                                     "ORDER BY created, id LIMIT ?"));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(1, now));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(2, LimitParam(limit)));
  return ReadAll(stmt, ReadSadRequestRow);
}

Result<bool> SqliteRequestStore::EndSadRequest(std::string_view id, std::string_view state,
                                               std::string_view detail, int64_t now) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(c_.db()));
  // Only a pending request ends, and only once: a late refusal cannot overwrite an answer.
  SAMP11_ASSIGN_OR_RETURN(auto stmt, c_.Prepare("UPDATE sad_requests SET state = ?, detail = ?, "
                                                "updated = ? WHERE id = ? AND state = 'pending'"));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(1, state));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(2, detail));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(3, now));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(4, id));
  SAMP11_RETURN_IF_ERROR(stmt.Run());
  const bool ended = sqlite3_changes64(c_.db()) == 1;
  SAMP11_RETURN_IF_ERROR(tx->Commit());
  return ended;
}

}  // namespace samp11
