// The signing path's writes: spent hashes with their audit records, all or nothing.
#include "state/memory/memory_stores.h"

namespace samp11 {

void MemoryJournalUndo::Undo(MemoryTables& tables) const {
  for (const SpentHashKey& key : spent) tables.spent_hashes.erase(key);
  for (int64_t seq : audit_seqs) tables.audit.erase(seq);
  if (head_before) tables.audit_head = *head_before;
}

// synced changes nothing here: a write is in memory once made, and nothing outlives the process.
Result<std::vector<bool>> MemoryJournalStore::WriteJournal(const std::vector<Entry>& entries,
                                                           bool /*synced*/) {
  auto lock = c_.Lock();
  MemoryTables& tables = c_.tables();
  MemoryJournalUndo undo;
  std::vector<bool> won;
  won.reserve(entries.size());
  for (const Entry& entry : entries) {
    // A lost spend inserts nothing, so there is nothing of it to undo.
    const bool spend_won = !entry.spend || MemoryInsertSpentHash(tables, *entry.spend, &undo);
    Status appended = MemoryAppendAudit(
        tables, [&](const AuditTail& tail) { return entry.make_append(tail, spend_won); }, &undo);
    if (!appended.ok()) {
      undo.Undo(tables);
      return appended;
    }
    won.push_back(spend_won);
  }
  if (!entries.empty()) c_.Wrote(/*signing_path=*/true);
  return won;
}

Result<std::vector<bool>> MemoryJournalStore::ClaimSpentHashes(
    const std::vector<SpentHashRow>& rows,
    const std::function<Result<AuditAppend>(const AuditTail& tail, size_t claimed)>& make_append) {
  auto lock = c_.Lock();
  MemoryTables& tables = c_.tables();
  MemoryJournalUndo undo;
  std::vector<bool> won;
  won.reserve(rows.size());
  size_t claimed = 0;
  for (const SpentHashRow& row : rows) {
    const bool spent_now = MemoryInsertSpentHash(tables, row, &undo);
    won.push_back(spent_now);
    claimed += spent_now ? 1 : 0;
  }
  Status appended = MemoryAppendAudit(
      tables, [&](const AuditTail& tail) { return make_append(tail, claimed); }, &undo);
  if (!appended.ok()) {
    undo.Undo(tables);
    return appended;
  }
  c_.Wrote(/*signing_path=*/true);
  return won;
}

}  // namespace samp11
