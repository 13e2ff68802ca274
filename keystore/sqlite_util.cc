#include "keystore/sqlite_util.h"

#include <limits>
#include <utility>

namespace samp11 {

Status SqliteError(sqlite3* db, std::string_view context) {
  std::string message(context);
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : "out of memory";
  return Status(Code::kStorage, message);
}

Status SqliteExec(sqlite3* db, const char* sql) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return SqliteError(db, "sqlite");
  }
  return Status::Ok();
}

Result<SqliteStatement> SqliteStatement::Prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sql.size() > static_cast<size_t>(std::numeric_limits<int>::max()) ||
      sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) !=
          SQLITE_OK) {
    sqlite3_finalize(stmt);
    return SqliteError(db, "sqlite prepare");
  }
  return SqliteStatement(db, stmt);
}

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)) {}

SqliteStatement& SqliteStatement::operator=(SqliteStatement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(stmt_); }

Status SqliteStatement::BindText(int index, std::string_view value) {
  if (sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT,
                          SQLITE_UTF8) != SQLITE_OK) {
    return SqliteError(db_, "sqlite bind");
  }
  return Status::Ok();
}

Status SqliteStatement::BindBlob(int index, const Bytes& value) {
  // An empty vector may have a null data(); SQLite would store NULL for a null pointer, so bind
  // a zero-length blob explicitly.
  int rc = value.empty()
               ? sqlite3_bind_zeroblob(stmt_, index, 0)
               : sqlite3_bind_blob64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) return SqliteError(db_, "sqlite bind");
  return Status::Ok();
}

Status SqliteStatement::BindInt64(int index, int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) {
    return SqliteError(db_, "sqlite bind");
  }
  return Status::Ok();
}

int SqliteStatement::StepRaw() { return sqlite3_step(stmt_); }

Result<bool> SqliteStatement::Step() {
  int rc = StepRaw();
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_, "sqlite step");
}

Status SqliteStatement::Run() {
  SAMP11_ASSIGN_OR_RETURN(bool row, Step());
  if (row) return Status(Code::kInternal, "sqlite: statement unexpectedly returned a row");
  return Status::Ok();
}

Status SqliteStatement::Reset() {
  // sqlite3_reset repeats the last step's error, which the caller has already handled.
  sqlite3_reset(stmt_);
  if (sqlite3_clear_bindings(stmt_) != SQLITE_OK) return SqliteError(db_, "sqlite reset");
  return Status::Ok();
}

std::string SqliteStatement::ColumnText(int column) {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  if (text == nullptr || size <= 0) return std::string();
  return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(size));
}

Bytes SqliteStatement::ColumnBlob(int column) {
  const void* blob = sqlite3_column_blob(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  if (blob == nullptr || size <= 0) return Bytes();
  const auto* p = static_cast<const uint8_t*>(blob);
  return Bytes(p, p + size);
}

int64_t SqliteStatement::ColumnInt64(int column) { return sqlite3_column_int64(stmt_, column); }

Result<std::unique_ptr<SqliteWriteTransaction>> SqliteWriteTransaction::Begin(sqlite3* db) {
  if (sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return SqliteError(db, "sqlite begin");
  }
  return std::unique_ptr<SqliteWriteTransaction>(new SqliteWriteTransaction(db));
}

SqliteWriteTransaction::~SqliteWriteTransaction() {
  // A failed statement may already have ended the transaction; ROLLBACK then fails harmlessly.
  if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

Status SqliteWriteTransaction::Commit() {
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return SqliteError(db_, "sqlite commit");
  }
  done_ = true;
  return Status::Ok();
}

}  // namespace samp11
