// Deposited SADs, found by key and hash.
#include <algorithm>
#include <set>
#include <string>

#include "state/memory/memory_stores.h"

namespace samp11 {

Status MemoryDepositStore::InsertDeposit(const DepositRow& row) {
  auto lock = c_.Lock();
  auto& deposits = c_.tables().deposits;
  DepositKey key{row.kid, row.jti};
  if (deposits.count(key) != 0) {
    return Status(Code::kAlreadyExists,
                  "a SAD with kid " + row.kid + " and jti " + row.jti + " is deposited");
  }
  if (std::set<Bytes>(row.hashes.begin(), row.hashes.end()).size() != row.hashes.size()) {
    return Status(Code::kAlreadyExists, "a deposited SAD lists one hash twice");
  }
  deposits.emplace(std::move(key), row);
  c_.Wrote(/*signing_path=*/false);
  return Status::Ok();
}

Result<std::vector<std::string>> MemoryDepositStore::FindDeposits(const Bytes& key_id,
                                                                  const Bytes& hash,
                                                                  int64_t min_exp, size_t limit) {
  auto lock = c_.Lock();
  std::vector<const DepositRow*> found;
  for (const auto& [key, row] : c_.tables().deposits) {
    if (row.key_id != key_id || row.sad_exp < min_exp) continue;
    if (std::find(row.hashes.begin(), row.hashes.end(), hash) != row.hashes.end()) {
      found.push_back(&row);
    }
  }
  std::stable_sort(found.begin(), found.end(), [](const DepositRow* a, const DepositRow* b) {
    return a->deposited_at > b->deposited_at;
  });
  std::vector<std::string> sads;
  for (const DepositRow* row : found) {
    if (sads.size() >= limit) break;
    sads.push_back(row->sad);
  }
  return sads;
}

Result<int64_t> MemoryDepositStore::PurgeDeposits(int64_t sad_exp_before) {
  auto lock = c_.Lock();
  int64_t removed = EraseExpiredSads(c_.tables().deposits, sad_exp_before);
  if (removed > 0) c_.Wrote(/*signing_path=*/false);
  return removed;
}

}  // namespace samp11
