// The signing path's writes: spent hashes with their audit records, in one transaction.
#include "state/postgres/pg_audit.h"

namespace samp11 {

Result<std::vector<bool>> PgJournalStore::WriteJournal(const std::vector<Entry>& entries,
                                                       bool synced) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto tx, PgTransaction::Begin(c_));
  // Not synced: COMMIT returns before its WAL is flushed, yet is visible to every node at once.
  // WAL is flushed in order, so the next synced commit makes this one durable too.
  if (!synced) {
    SAMP11_RETURN_IF_ERROR(
        c_.ExecScript("an unsynced journal write", "SET LOCAL synchronous_commit = off"));
  }
  // Before the first spend (pg_audit.h).
  SAMP11_RETURN_IF_ERROR(PgLockAuditAppends(c_, node_));
  std::vector<bool> won;
  won.reserve(entries.size());
  for (const Entry& entry : entries) {
    bool spend_won = true;
    if (entry.spend) {
      // A lost spend (already spent) rolls back nothing: its insert did not happen.
      SAMP11_ASSIGN_OR_RETURN(spend_won, PgInsertSpentHash(c_, *entry.spend));
    }
    SAMP11_RETURN_IF_ERROR(PgAppendAuditLocked(
        c_, node_, [&](const AuditTail& tail) { return entry.make_append(tail, spend_won); }));
    won.push_back(spend_won);
  }
  SAMP11_RETURN_IF_ERROR(tx->Commit());
  return won;
}

Result<std::vector<bool>> PgJournalStore::ClaimSpentHashes(
    const std::vector<SpentHashRow>& rows,
    const std::function<Result<AuditAppend>(const AuditTail& tail, size_t claimed)>& make_append) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto tx, PgTransaction::Begin(c_));
  SAMP11_RETURN_IF_ERROR(PgLockAuditAppends(c_, node_));  // before the first spend (pg_audit.h)
  std::vector<bool> won;
  won.reserve(rows.size());
  size_t claimed = 0;
  for (const SpentHashRow& row : rows) {
    SAMP11_ASSIGN_OR_RETURN(bool spent_now, PgInsertSpentHash(c_, row));
    won.push_back(spent_now);
    claimed += spent_now ? 1 : 0;
  }
  SAMP11_RETURN_IF_ERROR(PgAppendAuditLocked(
      c_, node_, [&](const AuditTail& tail) { return make_append(tail, claimed); }));
  SAMP11_RETURN_IF_ERROR(tx->Commit());  // synchronous_commit as the server has it: durable here
  return won;
}

}  // namespace samp11
