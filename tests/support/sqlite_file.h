// A plain connection to a token's SQLite file, with no samp11 code in between: the attacker who
// edits the file behind the module's back, and the inspector who checks what the file holds. The
// one place in the tests that speaks SQLite (state/sqlite/ is the one in the product).
#pragma once

#include <string>

#include "common/bytes.h"

struct sqlite3;

namespace samp11::testing {

class SqliteFile {
 public:
  enum class Missing { kFail, kCreate };
  // A test failure if it cannot be opened; a missing file is one, unless kCreate (a test that
  // makes a file that is not a keystore).
  explicit SqliteFile(const std::string& path, Missing missing = Missing::kFail);
  ~SqliteFile();
  SqliteFile(const SqliteFile&) = delete;
  SqliteFile& operator=(const SqliteFile&) = delete;

  // Runs SQL that returns no rows; a test failure, with SQLite's message, if it fails.
  void Exec(const std::string& sql);
  // Runs a statement with one blob parameter (?1).
  void ExecWithBlob(const std::string& sql, const Bytes& blob);
  // Rows changed by the last statement.
  int Changes();
  // The first column of the first row, as text ("" when there is no row).
  std::string QueryText(const std::string& sql);

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace samp11::testing
