#include "tests/support/sqlite_file.h"

#include <sqlite3.h>

#include <doctest/doctest.h>

namespace samp11::testing {

SqliteFile::SqliteFile(const std::string& path, Missing missing) {
  int flags = SQLITE_OPEN_READWRITE | (missing == Missing::kCreate ? SQLITE_OPEN_CREATE : 0);
  REQUIRE(sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) == SQLITE_OK);
  sqlite3_busy_timeout(db_, 10000);
}

SqliteFile::~SqliteFile() { sqlite3_close_v2(db_); }

void SqliteFile::Exec(const std::string& sql) {
  char* error = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
  std::string message = error != nullptr ? error : "";
  sqlite3_free(error);
  REQUIRE_MESSAGE(rc == SQLITE_OK, message);
}

void SqliteFile::ExecWithBlob(const std::string& sql, const Bytes& blob) {
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
  sqlite3_bind_blob(stmt, 1, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
  int rc = sqlite3_step(stmt);
  sqlite3_finalize(stmt);
  REQUIRE(rc == SQLITE_DONE);
}

int SqliteFile::Changes() { return sqlite3_changes(db_); }

std::string SqliteFile::QueryText(const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
  std::string text;
  if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
    text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  return text;
}

}  // namespace samp11::testing
