// The one SQLite connection a SqliteStateStore's stores share (sqlite_stores.h), and what every
// store does with it: lock it, prepare statements, run inserts, count the signing path's changes.
//
// Concurrency: the connection is opened with SQLITE_OPEN_FULLMUTEX, and every store method also
// holds the connection's lock for its whole sequence of calls, so a statement's error message
// and a transaction's statements are never interleaved with another thread's. Other processes
// share the file through WAL and the busy timeout; writes take the write lock at BEGIN IMMEDIATE.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "common/status.h"
#include "state/sqlite/sqlite_util.h"

namespace samp11 {

class SqliteConnection {
 public:
  explicit SqliteConnection(SqliteDbPtr db) : db_(std::move(db)) {}
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  // Held for a method's whole sequence of statements.
  std::unique_lock<std::mutex> Lock() { return std::unique_lock<std::mutex>(mu_); }
  sqlite3* db() { return db_.get(); }
  Result<SqliteStatement> Prepare(std::string_view sql) {
    return SqliteStatement::Prepare(db(), sql);
  }

  // Runs an INSERT; a uniqueness failure is kAlreadyExists, a foreign key failure kNotFound
  // (when missing_parent_message is given).
  Status RunInsert(SqliteStatement& stmt, const std::string& exists_message,
                   const std::string& missing_parent_message = "");

  // Rows this connection changed outside the signing path (MaintenanceStore::KeyStateVersion).
  // Lock held.
  int64_t OwnChanges() { return sqlite3_total_changes64(db()) - signing_path_changes_; }

  // Counts the rows a signing-path write changes (committed or not) as the signing path's, so
  // that they leave OwnChanges alone. Lock held for the object's life.
  class SigningPathWrite {
   public:
    explicit SigningPathWrite(SqliteConnection& connection)
        : connection_(connection), before_(sqlite3_total_changes64(connection.db())) {}
    ~SigningPathWrite() {
      connection_.signing_path_changes_ += sqlite3_total_changes64(connection_.db()) - before_;
    }
    SigningPathWrite(const SigningPathWrite&) = delete;
    SigningPathWrite& operator=(const SigningPathWrite&) = delete;

   private:
    SqliteConnection& connection_;
    int64_t before_;
  };

 private:
  std::mutex mu_;
  SqliteDbPtr db_;
  int64_t signing_path_changes_ = 0;  // mu_ held
};

}  // namespace samp11
