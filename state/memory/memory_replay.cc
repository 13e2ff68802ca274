// The replay ledger: spent hashes.
#include "state/memory/memory_stores.h"

namespace samp11 {

bool MemoryInsertSpentHash(MemoryTables& tables, const SpentHashRow& row, MemoryJournalUndo* undo) {
  SpentHashKey key{row.kid, row.jti, row.hash};
  auto [slot, inserted] = tables.spent_hashes.emplace(key, row);
  if (inserted && undo != nullptr) undo->spent.push_back(std::move(key));
  return inserted;
}

Result<bool> MemoryReplayStore::InsertSpentHash(const SpentHashRow& row) {
  auto lock = c_.Lock();
  if (!MemoryInsertSpentHash(c_.tables(), row)) return false;
  c_.Wrote(/*signing_path=*/false);
  return true;
}

Result<bool> MemoryReplayStore::IsHashSpent(std::string_view kid, std::string_view jti,
                                            const Bytes& hash) {
  auto lock = c_.Lock();
  SpentHashKey key{std::string(kid), std::string(jti), hash};
  return c_.tables().spent_hashes.count(key) != 0;
}

Result<int64_t> MemoryReplayStore::PurgeSpentHashes(int64_t sad_exp_before) {
  auto lock = c_.Lock();
  int64_t removed = EraseExpiredSads(c_.tables().spent_hashes, sad_exp_before);
  if (removed > 0) c_.Wrote(/*signing_path=*/false);
  return removed;
}

Result<int64_t> MemoryReplayStore::CountSpentHashes() {
  auto lock = c_.Lock();
  return static_cast<int64_t>(c_.tables().spent_hashes.size());
}

}  // namespace samp11
