// The attacker of a token's state wherever the token keeps it: a plain connection to its SQLite
// file (sqlite_file.h) or to its PostgreSQL schema (pg_database.h), with no samp11 code in
// between. Both hold the same tables and columns, so one edit is written once; what differs is
// said here: a blob's literal (Blob), and references (DropForeignKeys).
#pragma once

#include <memory>
#include <string>

#include "common/bytes.h"
#include "config/config.h"
#include "tests/support/pg_database.h"
#include "tests/support/sqlite_file.h"

namespace samp11::testing {

class StateEditor {
 public:
  // The token's keystore file, or its schema of its database (token.database).
  explicit StateEditor(const TokenConfig& token);

  // SQL that returns no rows; a test failure if it fails.
  void Exec(const std::string& sql);
  // A statement with one blob parameter, written $1 (SQLite takes it too).
  void ExecWithBlob(const std::string& sql, const Bytes& blob);
  // Rows changed by the last statement.
  int Changes();
  // A blob literal for SQL on token's state (no connection needed).
  static std::string Blob(const TokenConfig& token, const Bytes& bytes);
  // What an edit that breaks a reference (a signer renamed under its keys) needs first: nothing
  // on SQLite's plain connection, the foreign keys dropped on PostgreSQL.
  void DropForeignKeys();

 private:
  std::unique_ptr<SqliteFile> file_;
  std::unique_ptr<PgDatabase> database_;
};

}  // namespace samp11::testing
