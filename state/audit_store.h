// The audit log's rows, as read back. Records are appended through the journal
// (journal_store.h: a record with its spend, or alone), so that every append shares its writes
// with the signatures of the moment; the chain and the MACs are keystore/audit_log.h's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "state/rows.h"

namespace samp11 {

class AuditStore {
 public:
  virtual ~AuditStore() = default;

  // The tail as one consistent snapshot.
  virtual Result<AuditTail> GetAuditTail() = 0;
  // Rows with seq > after_seq matching the filter, ascending by seq, at most limit.
  virtual Result<std::vector<AuditRow>> ListAuditRows(int64_t after_seq, size_t limit,
                                                      const AuditRowFilter& filter) = 0;
  // What the store found wrong where it keeps records beyond its rows (the signature journal's
  // segments, state/journal/: damaged, out of order, another token's), each named; empty when
  // nothing is. The rows above are then what could be read; appends are refused meanwhile.
  virtual Result<std::vector<std::string>> CheckStorage() = 0;
  // Which of the state's audit chains this store reads and appends to: empty where the state
  // has one log (a file); a node's name where each signing node keeps its own chain
  // (state/postgres/).
  virtual std::string ChainName() const { return std::string(); }
  // Every chain the state holds, by name, in byte order, this store's included: the nodes that
  // joined or wrote records (a chain emptied by hand is still named), or the one unnamed chain.
  virtual Result<std::vector<std::string>> ListChainNames() {
    return std::vector<std::string>{ChainName()};
  }
};

}  // namespace samp11
