// The audit log's SQL for the SQLite StateStore (sqlite_state_store.cc holds the connection and
// its mutex and calls these with the mutex held). No crypto here: see audit_keystore.cc.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "common/status.h"
#include "keystore/state_store.h"

namespace samp11 {

Status SqliteAppendAudit(
    sqlite3* db, const std::function<Result<AuditAppend>(const AuditTail& tail)>& make_append);
// The same append inside the caller's write transaction (the journal's, sqlite_state_store.cc).
Status SqliteAppendAuditInTransaction(
    sqlite3* db, const std::function<Result<AuditAppend>(const AuditTail& tail)>& make_append);
Result<AuditTail> SqliteGetAuditTail(sqlite3* db);
Result<std::vector<AuditRow>> SqliteListAuditRows(sqlite3* db, int64_t after_seq, size_t limit,
                                                  const AuditRowFilter& filter);

}  // namespace samp11
