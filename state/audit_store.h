// The audit log's rows. The store keeps rows and makes appends atomic; the chain and the MACs
// are computed and checked by keystore/audit_log.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "common/status.h"
#include "state/rows.h"

namespace samp11 {

class AuditStore {
 public:
  virtual ~AuditStore() = default;

  // Reads the tail, calls make_append, stores its row and replaces the head, as one atomic,
  // durable write. Appends from every thread and process are serialised, so seq stays
  // consecutive. make_append must not call the store. A row whose seq is taken is kTampered (the
  // head is behind the log); that, or an error from make_append, changes nothing.
  virtual Status AppendAudit(
      const std::function<Result<AuditAppend>(const AuditTail& tail)>& make_append) = 0;
  // The tail as one consistent snapshot.
  virtual Result<AuditTail> GetAuditTail() = 0;
  // Rows with seq > after_seq matching the filter, ascending by seq, at most limit.
  virtual Result<std::vector<AuditRow>> ListAuditRows(int64_t after_seq, size_t limit,
                                                      const AuditRowFilter& filter) = 0;
};

}  // namespace samp11
