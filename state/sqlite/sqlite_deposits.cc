// Deposited SADs: deposited_sads, and deposited_hashes that indexes them by key and hash.
#include <string>

#include "state/sqlite/sqlite_rows.h"
#include "state/sqlite/sqlite_stores.h"

namespace samp11 {

Status SqliteDepositStore::InsertDeposit(const DepositRow& row) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(c_.db()));
  SAMP11_ASSIGN_OR_RETURN(auto stmt,
                          c_.Prepare("INSERT INTO deposited_sads(kid, jti, key_id, sad, sad_exp, "
                                     "deposited_at) VALUES(?, ?, ?, ?, ?, ?)"));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(1, row.kid));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(2, row.jti));
  SAMP11_RETURN_IF_ERROR(stmt.BindBlob(3, row.key_id));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(4, row.sad));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(5, row.sad_exp));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(6, row.deposited_at));
  SAMP11_RETURN_IF_ERROR(
      c_.RunInsert(stmt, "a SAD with kid " + row.kid + " and jti " + row.jti + " is deposited"));
  SAMP11_ASSIGN_OR_RETURN(auto hash_stmt,
                          c_.Prepare("INSERT INTO deposited_hashes(key_id, hash, kid, jti) "
                                     "VALUES(?, ?, ?, ?)"));
  for (const Bytes& hash : row.hashes) {
    SAMP11_RETURN_IF_ERROR(hash_stmt.BindBlob(1, row.key_id));
    SAMP11_RETURN_IF_ERROR(hash_stmt.BindBlob(2, hash));
    SAMP11_RETURN_IF_ERROR(hash_stmt.BindText(3, row.kid));
    SAMP11_RETURN_IF_ERROR(hash_stmt.BindText(4, row.jti));
    SAMP11_RETURN_IF_ERROR(c_.RunInsert(hash_stmt, "a deposited SAD lists one hash twice"));
    SAMP11_RETURN_IF_ERROR(hash_stmt.Reset());
  }
  return tx->Commit();
}

Result<std::vector<std::string>> SqliteDepositStore::FindDeposits(const Bytes& key_id,
                                                                  const Bytes& hash,
                                                                  int64_t min_exp, size_t limit) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto stmt,
                          c_.Prepare("SELECT s.sad FROM deposited_hashes h JOIN deposited_sads s "
                                     "ON s.kid = h.kid AND s.jti = h.jti "
                                     "WHERE h.key_id = ? AND h.hash = ? AND s.sad_exp >= ? "
                                     "ORDER BY s.deposited_at DESC LIMIT ?"));
  SAMP11_RETURN_IF_ERROR(stmt.BindBlob(1, key_id));
  SAMP11_RETURN_IF_ERROR(stmt.BindBlob(2, hash));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(3, min_exp));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(4, LimitParam(limit)));
  std::vector<std::string> out;
  for (;;) {
    SAMP11_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) return out;
    out.push_back(stmt.ColumnText(0));
  }
}

Result<int64_t> SqliteDepositStore::PurgeDeposits(int64_t sad_exp_before) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(c_.db()));
  // deposited_hashes rows go with their SAD (ON DELETE CASCADE).
  SAMP11_ASSIGN_OR_RETURN(auto stmt, c_.Prepare("DELETE FROM deposited_sads WHERE sad_exp < ?"));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(1, sad_exp_before));
  SAMP11_RETURN_IF_ERROR(stmt.Run());
  int64_t removed = sqlite3_changes64(c_.db());
  SAMP11_RETURN_IF_ERROR(tx->Commit());
  return removed;
}

}  // namespace samp11
