// The signing path's writes: spent hashes and the audit records that say what came of them,
// written together or not at all. keystore/signature_journal.h groups the entries of threads
// signing at once into one write.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <vector>

#include "common/status.h"
#include "state/rows.h"

namespace samp11 {

class JournalStore {
 public:
  virtual ~JournalStore() = default;

  // One entry: an optional spent hash, and the audit record of what came of it. make_append gets
  // the log's tail and whether the entry's spend won (true when it has none); a lost spend
  // changes nothing else, so its record can say so. make_append must not call the store.
  struct Entry {
    std::optional<SpentHashRow> spend;
    std::function<Result<AuditAppend>(const AuditTail& tail, bool spend_won)> make_append;
  };

  // Writes entries in order, atomically: all of them or none. synced: durable (survives a power
  // loss) before this returns. Not synced: visible to every process and safe from a process
  // crash at once, and made durable by the next synced write. Returns, per entry, whether its
  // spend won.
  virtual Result<std::vector<bool>> WriteJournal(const std::vector<Entry>& entries,
                                                 bool synced) = 0;

  // True when WriteJournal may be called by many threads at once and shares one sync among those
  // that wait for one at that moment (the signature journal's files: an append is short and a
  // sync is not held by anyone but the thread that makes it). Then callers hand in their entries
  // straight away rather than queueing them behind a write in progress.
  virtual bool GroupsSyncsItself() const { return false; }

  // A batch SAD's claim: spends every row not spent yet and appends make_append's record (told
  // how many were spent), atomically and durably. Returns, per row, whether this call spent it.
  virtual Result<std::vector<bool>> ClaimSpentHashes(
      const std::vector<SpentHashRow>& rows,
      const std::function<Result<AuditAppend>(const AuditTail& tail, size_t claimed)>&
          make_append) = 0;
};

}  // namespace samp11
