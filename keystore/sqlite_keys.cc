#include "keystore/sqlite_keys.h"

namespace samp11 {

Result<SqliteStatement> SqliteKeyInsert(sqlite3* db, const KeyRow& row) {
  SAMP11_ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      SqliteStatement::Prepare(db,
                               "INSERT INTO keys(id, label, key_type, owner, scal, policy_json, "
                               "public_spki, wrapped_private, created, backend, origin, status, "
                               "status_changed, certified, status_mac) "
                               "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  SAMP11_RETURN_IF_ERROR(stmt.BindBlob(1, row.id));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(2, row.label));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(3, row.key_type));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(4, row.owner));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(5, row.scal));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(6, row.policy_json));
  SAMP11_RETURN_IF_ERROR(stmt.BindBlob(7, row.public_spki));
  SAMP11_RETURN_IF_ERROR(stmt.BindBlob(8, row.wrapped_private));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(9, row.created));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(10, row.backend));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(11, row.origin));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(12, row.status));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(13, row.status_changed));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(14, row.certified ? 1 : 0));
  SAMP11_RETURN_IF_ERROR(stmt.BindBlob(15, row.status_mac));
  return stmt;
}

}  // namespace samp11
