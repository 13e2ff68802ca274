// The signing path's writes: spent hashes with their audit records, in one transaction.
#include "state/sqlite/sqlite_stores.h"

namespace samp11 {

Result<std::vector<bool>> SqliteJournalStore::WriteJournal(const std::vector<Entry>& entries,
                                                           bool synced) {
  auto lock = c_.Lock();
  SqliteConnection::SigningPathWrite counted(c_);
  // NORMAL for this commit only: in WAL mode the commit is then written but not synced; the
  // next FULL commit syncs the WAL, and with it these frames, which come before its own.
  if (!synced) SAMP11_RETURN_IF_ERROR(SqliteExec(c_.db(), "PRAGMA synchronous = NORMAL"));
  struct RestoreFull {
    sqlite3* db;
    bool active;
    ~RestoreFull() {
      if (active) sqlite3_exec(db, "PRAGMA synchronous = FULL", nullptr, nullptr, nullptr);
    }
  } restore{c_.db(), !synced};
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(c_.db()));
  std::vector<bool> won;
  won.reserve(entries.size());
  for (const Entry& entry : entries) {
    bool spend_won = true;
    if (entry.spend) {
      // A lost spend (already spent) rolls back nothing: its insert did not happen.
      SAMP11_ASSIGN_OR_RETURN(spend_won, SqliteInsertSpentHash(c_.db(), *entry.spend));
    }
    SAMP11_RETURN_IF_ERROR(SqliteAppendAuditInTransaction(
        c_.db(), [&](const AuditTail& tail) { return entry.make_append(tail, spend_won); }));
    won.push_back(spend_won);
  }
  SAMP11_RETURN_IF_ERROR(tx->Commit());
  return won;
}

Result<std::vector<bool>> SqliteJournalStore::ClaimSpentHashes(
    const std::vector<SpentHashRow>& rows,
    const std::function<Result<AuditAppend>(const AuditTail& tail, size_t claimed)>& make_append) {
  auto lock = c_.Lock();
  SqliteConnection::SigningPathWrite counted(c_);
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(c_.db()));
  std::vector<bool> won;
  won.reserve(rows.size());
  size_t claimed = 0;
  for (const SpentHashRow& row : rows) {
    SAMP11_ASSIGN_OR_RETURN(bool spent_now, SqliteInsertSpentHash(c_.db(), row));
    won.push_back(spent_now);
    claimed += spent_now ? 1 : 0;
  }
  SAMP11_RETURN_IF_ERROR(SqliteAppendAuditInTransaction(
      c_.db(), [&](const AuditTail& tail) { return make_append(tail, claimed); }));
  SAMP11_RETURN_IF_ERROR(tx->Commit());  // synchronous=FULL: durable here
  return won;
}

}  // namespace samp11
