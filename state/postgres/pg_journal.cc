// The signing path's writes: spent hashes with their audit records, in one transaction.
#include "state/postgres/pg_audit.h"

#include <algorithm>
#include <string>

namespace samp11 {

Result<std::vector<bool>> PgJournalStore::WriteJournal(const std::vector<Entry>& entries,
                                                       bool synced) {
  auto lock = c_.Lock();
  // Not synced: COMMIT returns before its WAL is flushed, yet is visible to every node at once.
  // WAL is flushed in order, so the next synced commit makes this one durable too.
  std::string prologue = synced ? "" : "SET LOCAL synchronous_commit = off; ";
  // The append lock before the first spend (pg_audit.h); all of it in BEGIN's round trip.
  SAMP11_ASSIGN_OR_RETURN(std::string lock_audit, PgLockAuditAppendsScript(c_, node_));
  prologue += lock_audit;
  SAMP11_ASSIGN_OR_RETURN(auto tx, PgTransaction::Begin(c_, "READ COMMITTED", prologue));
  // Every spend first, in the one order of PgInsertSpentHashes: the group holds several threads'
  // signatures in the order they came, and another node's group may hold the same hashes in
  // another order. A lost spend (already spent) rolls back nothing: its insert did not happen.
  std::vector<const SpentHashRow*> spends;
  spends.reserve(entries.size());
  for (const Entry& entry : entries) spends.push_back(entry.spend ? &*entry.spend : nullptr);
  SAMP11_ASSIGN_OR_RETURN(std::vector<bool> won, PgInsertSpentHashes(c_, spends));
  // Then the records, in the entries' order.
  for (size_t i = 0; i < entries.size(); ++i) {
    const bool spend_won = won[i];
    SAMP11_RETURN_IF_ERROR(PgAppendAuditLocked(
        c_, node_, [&](const AuditTail& tail) { return entries[i].make_append(tail, spend_won); }));
  }
  SAMP11_RETURN_IF_ERROR(tx->Commit());
  return won;
}

Result<std::vector<bool>> PgJournalStore::ClaimSpentHashes(
    const std::vector<SpentHashRow>& rows,
    const std::function<Result<AuditAppend>(const AuditTail& tail, size_t claimed)>& make_append) {
  auto lock = c_.Lock();
  // The append lock before the first spend (pg_audit.h), in BEGIN's round trip.
  SAMP11_ASSIGN_OR_RETURN(std::string lock_audit, PgLockAuditAppendsScript(c_, node_));
  SAMP11_ASSIGN_OR_RETURN(auto tx, PgTransaction::Begin(c_, "READ COMMITTED", lock_audit));
  // In the one order of PgInsertSpentHashes, as every spend is.
  std::vector<const SpentHashRow*> spends;
  spends.reserve(rows.size());
  for (const SpentHashRow& row : rows) spends.push_back(&row);
  SAMP11_ASSIGN_OR_RETURN(std::vector<bool> won, PgInsertSpentHashes(c_, spends));
  const size_t claimed = static_cast<size_t>(std::count(won.begin(), won.end(), true));
  SAMP11_RETURN_IF_ERROR(PgAppendAuditLocked(
      c_, node_, [&](const AuditTail& tail) { return make_append(tail, claimed); }));
  SAMP11_RETURN_IF_ERROR(tx->Commit());  // synchronous_commit as the server has it: durable here
  return won;
}

}  // namespace samp11
