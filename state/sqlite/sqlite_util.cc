#include "state/sqlite/sqlite_util.h"

#include <limits>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

namespace samp11 {
namespace {

// The prepared statements of every open connection, by SQL text.
struct CachedStatement {
  sqlite3_stmt* stmt = nullptr;
  bool lent = false;
};
struct StatementCache {
  std::mutex mu;
  std::unordered_map<sqlite3*, std::unordered_map<std::string, CachedStatement>> by_db;
};
// Leaked on purpose: connections may close from other static destructors.
StatementCache& Cache() {
  static StatementCache* cache = new StatementCache;
  return *cache;
}
// Queries built from filters (audit listing) have a few shapes; past this many per connection
// statements are prepared and finalized as before.
constexpr size_t kMaxCachedPerConnection = 128;

}  // namespace

void SqliteCloser::operator()(sqlite3* db) const {
  {
    StatementCache& cache = Cache();
    std::lock_guard<std::mutex> lock(cache.mu);
    auto found = cache.by_db.find(db);
    if (found != cache.by_db.end()) {
      for (auto& [sql, cached] : found->second) sqlite3_finalize(cached.stmt);
      cache.by_db.erase(found);
    }
  }
  sqlite3_close_v2(db);
}

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
  if (sql.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return Status(Code::kStorage, "sqlite prepare: statement too long");
  }
  StatementCache& cache = Cache();
  std::unique_lock<std::mutex> lock(cache.mu);
  auto& statements = cache.by_db[db];
  auto found = statements.find(std::string(sql));
  if (found != statements.end() && !found->second.lent) {
    found->second.lent = true;
    return SqliteStatement(db, found->second.stmt, true);
  }
  const bool keep = found == statements.end() && statements.size() < kMaxCachedPerConnection;
  lock.unlock();
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                         keep ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, nullptr) != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return SqliteError(db, "sqlite prepare");
  }
  if (!keep) return SqliteStatement(db, stmt, false);
  lock.lock();
  auto [slot, inserted] = cache.by_db[db].emplace(std::string(sql), CachedStatement{stmt, true});
  if (!inserted) return SqliteStatement(db, stmt, false);  // another thread cached it meanwhile
  return SqliteStatement(db, slot->second.stmt, true);
}

void SqliteStatement::Release() {
  if (stmt_ == nullptr) return;
  if (!lent_) {
    sqlite3_finalize(stmt_);
  } else {
    StatementCache& cache = Cache();
    std::lock_guard<std::mutex> lock(cache.mu);
    // Not there any more: its connection closed and finalized it.
    auto by_db = cache.by_db.find(db_);
    if (by_db != cache.by_db.end()) {
      for (auto& [sql, cached] : by_db->second) {
        if (cached.stmt != stmt_) continue;
        // Ends the statement's read and forgets its values (a PIN hash, a key blob) before it
        // waits for its next use.
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
        cached.lent = false;
        break;
      }
    }
  }
  stmt_ = nullptr;
}

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : db_(other.db_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      lent_(std::exchange(other.lent_, false)) {}

SqliteStatement& SqliteStatement::operator=(SqliteStatement&& other) noexcept {
  if (this != &other) {
    Release();
    db_ = other.db_;
    stmt_ = std::exchange(other.stmt_, nullptr);
    lent_ = std::exchange(other.lent_, false);
  }
  return *this;
}

SqliteStatement::~SqliteStatement() { Release(); }

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

Result<SqliteDbPtr> SqliteOpenConnection(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_FULLMUTEX, nullptr);
  SqliteDbPtr db(raw);
  if (rc != SQLITE_OK) return SqliteError(db.get(), "cannot open " + path);
  sqlite3_extended_result_codes(db.get(), 1);
  if (sqlite3_busy_timeout(db.get(), kSqliteBusyTimeoutMs) != SQLITE_OK) {
    return SqliteError(db.get(), "setting the busy timeout");
  }
  return db;
}

Result<std::vector<std::string>> SqliteStrings(sqlite3* db, const std::string& sql) {
  SAMP11_ASSIGN_OR_RETURN(SqliteStatement stmt, SqliteStatement::Prepare(db, sql));
  std::vector<std::string> out;
  for (;;) {
    SAMP11_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return out;
    out.push_back(stmt.ColumnText(0));
  }
}

}  // namespace samp11
