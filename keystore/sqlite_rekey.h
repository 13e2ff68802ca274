// Master-key rotation on the SQLite store (state_store.h, RekeyPlan): the table walk shared by
// the files that own each table's SQL. Every function here runs inside the caller's write
// transaction.
#pragma once

#include <sqlite3.h>

#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "keystore/sqlite_util.h"
#include "keystore/state_store.h"

namespace samp11 {

// Visits every row of a table a page at a time, in rowid order, lets rewrite change it, and writes
// it back. select_sql: "SELECT <columns>, rowid FROM t WHERE rowid > ? ORDER BY rowid LIMIT ?",
// read reads the columns from 0 and rowid_column is the index of rowid; update_sql ends in
// "WHERE rowid = ?" and bind binds every parameter, the rowid given to it included.
template <typename Row>
Status RekeyTable(sqlite3* db, const std::string& select_sql, Row (*read)(SqliteStatement&),
                  int rowid_column, const std::function<Status(Row&)>& rewrite,
                  const std::string& update_sql,
                  const std::function<Status(SqliteStatement&, const Row&, int64_t)>& bind) {
  constexpr int64_t kPage = 1000;
  SAMP11_ASSIGN_OR_RETURN(auto select, SqliteStatement::Prepare(db, select_sql));
  SAMP11_ASSIGN_OR_RETURN(auto update, SqliteStatement::Prepare(db, update_sql));
  int64_t after = std::numeric_limits<int64_t>::min();
  for (;;) {
    std::vector<std::pair<int64_t, Row>> page;
    SAMP11_RETURN_IF_ERROR(select.Reset());
    SAMP11_RETURN_IF_ERROR(select.BindInt64(1, after));
    SAMP11_RETURN_IF_ERROR(select.BindInt64(2, kPage));
    for (;;) {
      SAMP11_ASSIGN_OR_RETURN(bool has_row, select.Step());
      if (!has_row) break;
      page.emplace_back(select.ColumnInt64(rowid_column), read(select));
    }
    SAMP11_RETURN_IF_ERROR(select.Reset());
    if (page.empty()) return Status::Ok();
    for (auto& [rowid, row] : page) {
      SAMP11_RETURN_IF_ERROR(rewrite(row));
      SAMP11_RETURN_IF_ERROR(update.Reset());
      SAMP11_RETURN_IF_ERROR(bind(update, row, rowid));
      SAMP11_RETURN_IF_ERROR(update.Run());
      after = rowid;
    }
  }
}

// Per-table walks, each in the file that owns the table's SQL.
Status SqliteRekeyPins(sqlite3* db, const RekeyPlan& plan);   // sqlite_pins.cc
Status SqliteRekeyAudit(sqlite3* db, const RekeyPlan& plan);  // sqlite_audit.cc: log, head, append

}  // namespace samp11
