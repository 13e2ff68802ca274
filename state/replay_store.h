// The replay ledger: every hash of every SAD that was spent. A spend is durable (it survives a
// power loss) before it is reported, and exactly one caller, in any thread or process sharing the
// store, wins a given (kid, jti, hash). The spends that go with an audit record are written by
// journal_store.h.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.h"
#include "state/rows.h"

namespace samp11 {

class ReplayStore {
 public:
  virtual ~ReplayStore() = default;

  // true once durable; false, changing nothing, if that hash of that SAD was spent already.
  virtual Result<bool> InsertSpentHash(const SpentHashRow& row) = 0;
  virtual Result<bool> IsHashSpent(std::string_view kid, std::string_view jti,
                                   const Bytes& hash) = 0;
  // Removes rows whose SAD expired before the given time; returns how many.
  virtual Result<int64_t> PurgeSpentHashes(int64_t sad_exp_before) = 0;
  // How many spent hashes the store holds: the replay ledger's high-water mark in a checkpoint
  // (keystore/audit_checkpoint.h). Nothing purges the ledger, so it only grows. A journaled store
  // folds its journal first (appends wait for that fold).
  virtual Result<int64_t> CountSpentHashes() = 0;
};

}  // namespace samp11
