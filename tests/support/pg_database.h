// A plain libpq connection to a token's PostgreSQL schema, with no samp11 code in between: the
// attacker who edits rows behind the module's back, the twin of sqlite_file.h. An attacker with the
// database's credentials (here the cluster's superuser) sees the rows as they are stored, runs the
// SQL it likes, and moves the key-state version's trigger as any writer does. The one place in
// the tests that speaks libpq (state/postgres/ is the one in the product).
#pragma once

#include <string>

#include "common/bytes.h"

struct pg_conn;

namespace samp11::testing {

class PgDatabase {
 public:
  // A test failure if it cannot connect; search_path is schema, so SQL names the token's tables
  // as it would in the SQLite file.
  PgDatabase(const std::string& conninfo, const std::string& schema);
  ~PgDatabase();
  PgDatabase(const PgDatabase&) = delete;
  PgDatabase& operator=(const PgDatabase&) = delete;

  // Runs SQL that returns no rows (several statements allowed); a test failure, with
  // PostgreSQL's message, if it fails.
  void Exec(const std::string& sql);
  // Runs a statement with one bytea parameter ($1).
  void ExecWithBlob(const std::string& sql, const Bytes& blob);
  // Rows changed by the last statement of the last Exec or ExecWithBlob.
  int Changes() const { return changes_; }
  // A bytea literal for SQL ('\x..'::bytea; SQLite writes x'..').
  static std::string BlobLiteral(const Bytes& bytes);
  // Drops the schema's foreign keys, as an attacker whose edit would break a reference does
  // first (a plain SQLite connection checks none: foreign_keys is off unless asked for).
  void DropForeignKeys();

 private:
  pg_conn* conn_ = nullptr;
  int changes_ = 0;
};

}  // namespace samp11::testing
