#include "state/sqlite/sqlite_connection.h"

namespace samp11 {

Status SqliteConnection::RunInsert(SqliteStatement& stmt, const std::string& exists_message,
                                   const std::string& missing_parent_message) {
  int rc = stmt.StepRaw();
  if (rc == SQLITE_DONE) return Status::Ok();
  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE) {
    return Status(Code::kAlreadyExists, exists_message);
  }
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY && !missing_parent_message.empty()) {
    return Status(Code::kNotFound, missing_parent_message);
  }
  if ((rc & 0xff) == SQLITE_CONSTRAINT) return SqliteError(db(), "sqlite constraint");
  return SqliteError(db(), "sqlite insert");
}

}  // namespace samp11
