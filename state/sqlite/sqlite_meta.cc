#include "state/sqlite/sqlite_stores.h"

namespace samp11 {

Result<std::optional<std::string>> SqliteMetaStore::GetMeta(std::string_view name) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto stmt, c_.Prepare("SELECT value FROM meta WHERE name = ?"));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(1, name));
  SAMP11_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  if (!has_row) return std::optional<std::string>();
  return std::optional<std::string>(stmt.ColumnText(0));
}

Status SqliteMetaStore::InsertMeta(std::string_view name, std::string_view value) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(c_.db()));
  SAMP11_ASSIGN_OR_RETURN(auto stmt, c_.Prepare("INSERT INTO meta(name, value) VALUES(?, ?)"));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(1, name));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(2, value));
  SAMP11_RETURN_IF_ERROR(c_.RunInsert(stmt, "meta '" + std::string(name) + "' is already set"));
  return tx->Commit();
}

Status SqliteMetaStore::SetMeta(std::string_view name, std::string_view value) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(
      auto stmt, c_.Prepare("INSERT INTO meta(name, value) VALUES(?, ?) ON CONFLICT(name) DO "
                            "UPDATE SET value = excluded.value"));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(1, name));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(2, value));
  return stmt.Run();
}

}  // namespace samp11
