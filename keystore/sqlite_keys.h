// The keys table's INSERT for the SQLite StateStore (InsertKey) and the benchmark's bulk insert
// (keystore_bulk.cc): one list of columns for both.
#pragma once

#include <sqlite3.h>

#include "common/status.h"
#include "keystore/sqlite_util.h"
#include "keystore/state_store.h"

namespace samp11 {

// The statement, every column of row bound (row.handle aside: SQLite assigns it); the caller
// steps it inside its own transaction.
Result<SqliteStatement> SqliteKeyInsert(sqlite3* db, const KeyRow& row);

}  // namespace samp11
