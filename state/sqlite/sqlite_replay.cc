// The replay ledger: the spent_hashes table.
#include "state/sqlite/sqlite_stores.h"

namespace samp11 {

Result<bool> SqliteInsertSpentHash(sqlite3* db, const SpentHashRow& row) {
  SAMP11_ASSIGN_OR_RETURN(
      auto stmt,
      SqliteStatement::Prepare(db,
                               "INSERT INTO spent_hashes(kid, jti, hash, key_id, sad_exp, "
                               "spent_at) VALUES(?, ?, ?, ?, ?, ?)"));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(1, row.kid));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(2, row.jti));
  SAMP11_RETURN_IF_ERROR(stmt.BindBlob(3, row.hash));
  SAMP11_RETURN_IF_ERROR(stmt.BindBlob(4, row.key_id));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(5, row.sad_exp));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(6, row.spent_at));
  int rc = stmt.StepRaw();
  // Only the primary key can make this insert fail by constraint: the hash was already spent.
  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) return false;
  if (rc != SQLITE_DONE) return SqliteError(db, "spending a hash");
  return true;
}

Result<bool> SqliteReplayStore::InsertSpentHash(const SpentHashRow& row) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(c_.db()));
  SAMP11_ASSIGN_OR_RETURN(bool won, SqliteInsertSpentHash(c_.db(), row));
  if (!won) return false;
  // The commit is the durability point: synchronous=FULL syncs the WAL before COMMIT returns.
  SAMP11_RETURN_IF_ERROR(tx->Commit());
  return true;
}

Result<bool> SqliteReplayStore::IsHashSpent(std::string_view kid, std::string_view jti,
                                            const Bytes& hash) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(
      auto stmt, c_.Prepare("SELECT 1 FROM spent_hashes WHERE kid = ? AND jti = ? AND hash = ?"));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(1, kid));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(2, jti));
  SAMP11_RETURN_IF_ERROR(stmt.BindBlob(3, hash));
  return stmt.Step();
}

Result<int64_t> SqliteReplayStore::PurgeSpentHashes(int64_t sad_exp_before) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(c_.db()));
  SAMP11_ASSIGN_OR_RETURN(auto stmt, c_.Prepare("DELETE FROM spent_hashes WHERE sad_exp < ?"));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(1, sad_exp_before));
  SAMP11_RETURN_IF_ERROR(stmt.Run());
  int64_t removed = sqlite3_changes64(c_.db());
  SAMP11_RETURN_IF_ERROR(tx->Commit());
  return removed;
}

Result<int64_t> SqliteReplayStore::CountSpentHashes() {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto stmt, c_.Prepare("SELECT count(*) FROM spent_hashes"));
  SAMP11_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return SqliteError(c_.db(), "counting spent hashes");
  return stmt.ColumnInt64(0);
}

}  // namespace samp11
