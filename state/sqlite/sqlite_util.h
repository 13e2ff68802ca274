// RAII owners for a SQLite connection and its prepared statements, and the one place where SQLite
// failures become a Status (always kStorage, with SQLite's own message: it names tables and
// constraints, never row contents).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"

namespace samp11 {

// Finalizes the connection's cached statements (SqliteStatement::Prepare), then closes it.
struct SqliteCloser {
  void operator()(sqlite3* db) const;
};
using SqliteDbPtr = std::unique_ptr<sqlite3, SqliteCloser>;

// kStorage: "<context>: <sqlite3_errmsg>".
Status SqliteError(sqlite3* db, std::string_view context);

// Runs SQL that returns no rows we care about (schema, PRAGMAs, transaction control).
Status SqliteExec(sqlite3* db, const char* sql);

// A connection of its own (flags: SQLITE_OPEN_READONLY, _READWRITE, _CREATE), with extended
// result codes and the busy timeout every samp11 connection waits on.
inline constexpr int kSqliteBusyTimeoutMs = 10000;
Result<SqliteDbPtr> SqliteOpenConnection(const std::string& path, int flags);

// The first column of every row of sql.
Result<std::vector<std::string>> SqliteStrings(sqlite3* db, const std::string& sql);

class SqliteStatement {
 public:
  // Statements are prepared once per connection and SQL text and kept (parsing SQL costs more
  // than running these small statements): a statement of the cache is lent out, and reset and
  // given back when this object goes. The same SQL already lent out is prepared afresh.
  static Result<SqliteStatement> Prepare(sqlite3* db, std::string_view sql);

  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&& other) noexcept;
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  ~SqliteStatement();

  // Parameters are 1-based, as in SQLite.
  Status BindText(int index, std::string_view value);
  Status BindBlob(int index, const Bytes& value);
  Status BindInt64(int index, int64_t value);

  // The raw (extended) result code of sqlite3_step, for callers that tell constraint failures
  // from other errors.
  int StepRaw();
  // true: a row is available; false: done. Anything else is kStorage.
  Result<bool> Step();
  // Steps a statement that must finish without returning rows (INSERT, UPDATE, DELETE).
  Status Run();
  // Makes the statement ready to run again with new bindings.
  Status Reset();

  // Columns are 0-based, as in SQLite. NULL reads as empty / 0.
  std::string ColumnText(int column);
  Bytes ColumnBlob(int column);
  int64_t ColumnInt64(int column);

  sqlite3* db() const { return db_; }

 private:
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt, bool lent) : db_(db), stmt_(stmt), lent_(lent) {}
  void Release();

  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  bool lent_ = false;  // stmt_ belongs to the connection's cache
};

// BEGIN IMMEDIATE takes the write lock up front, so a concurrent writer (thread or process) waits
// on the busy timeout at BEGIN instead of failing with SQLITE_BUSY halfway through. Rolls back
// unless Commit() succeeded.
class SqliteWriteTransaction {
 public:
  static Result<std::unique_ptr<SqliteWriteTransaction>> Begin(sqlite3* db);
  ~SqliteWriteTransaction();
  SqliteWriteTransaction(const SqliteWriteTransaction&) = delete;
  SqliteWriteTransaction& operator=(const SqliteWriteTransaction&) = delete;

  Status Commit();

 private:
  explicit SqliteWriteTransaction(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  bool done_ = false;
};

}  // namespace samp11
