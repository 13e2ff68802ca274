// The sad_requests table's SQL for the SQLite StateStore (sqlite_state_store.cc holds the
// connection and its mutex and calls these with the mutex held).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "keystore/state_store.h"

namespace samp11 {

Status SqliteInsertSadRequest(sqlite3* db, const SadRequestRow& row);
Result<std::optional<SadRequestRow>> SqliteFindSadRequest(sqlite3* db, std::string_view id);
Result<std::vector<SadRequestRow>> SqliteListPendingSadRequests(sqlite3* db, int64_t now,
                                                                size_t limit);
Result<bool> SqliteEndSadRequest(sqlite3* db, std::string_view id, std::string_view state,
                                 std::string_view detail, int64_t now);

}  // namespace samp11
