// The audit log's rows and its head. No crypto here: the chain and the MACs are
// keystore/audit_log.h's.
#include <string>

#include "state/memory/memory_stores.h"

namespace samp11 {
namespace {

bool Matches(const AuditRow& row, const AuditRowFilter& filter) {
  if (filter.max_seq > 0 && row.seq > filter.max_seq) return false;
  if (!filter.signer.empty() && row.signer != filter.signer) return false;
  if (!filter.key_id.empty() && row.key_id != filter.key_id) return false;
  if (filter.since > 0 && row.at < filter.since) return false;
  if (filter.until > 0 && row.at > filter.until) return false;
  if (!filter.event.empty() && row.event != filter.event) return false;
  return true;
}

}  // namespace

AuditTail MemoryAuditTail(const MemoryTables& tables) {
  AuditTail tail;
  if (!tables.audit.empty()) tail.last_row = tables.audit.rbegin()->second;
  tail.head = tables.audit_head;
  return tail;
}

Status MemoryAppendAudit(
    MemoryTables& tables,
    const std::function<Result<AuditAppend>(const AuditTail& tail)>& make_append,
    MemoryJournalUndo* undo) {
  SAMP11_ASSIGN_OR_RETURN(AuditAppend append, make_append(MemoryAuditTail(tables)));
  const int64_t seq = append.row.seq;
  auto [slot, inserted] = tables.audit.emplace(seq, std::move(append.row));
  if (!inserted) {
    return Status(Code::kTampered, "audit record " + std::to_string(seq) +
                                       " already exists: the audit head is behind the log");
  }
  if (undo != nullptr) {
    undo->audit_seqs.push_back(seq);
    if (!undo->head_before) undo->head_before = tables.audit_head;
  }
  tables.audit_head = std::move(append.head);
  return Status::Ok();
}

Result<AuditTail> MemoryAuditStore::GetAuditTail() {
  auto lock = c_.Lock();
  return MemoryAuditTail(c_.tables());
}

Result<std::vector<AuditRow>> MemoryAuditStore::ListAuditRows(int64_t after_seq, size_t limit,
                                                              const AuditRowFilter& filter) {
  auto lock = c_.Lock();
  const auto& audit = c_.tables().audit;
  std::vector<AuditRow> rows;
  for (auto it = audit.upper_bound(after_seq); it != audit.end() && rows.size() < limit; ++it) {
    if (filter.max_seq > 0 && it->first > filter.max_seq) break;  // by seq: none further matches
    if (Matches(it->second, filter)) rows.push_back(it->second);
  }
  return rows;
}

}  // namespace samp11
