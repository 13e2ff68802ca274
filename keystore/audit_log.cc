// The audit log (audit_log.h): appending under the chain and MACs of audit_chain.h, verifying,
// listing.
#include <unistd.h>

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

#include "common/log.h"
#include "common/process_id.h"
#include "keystore/audit_chain.h"
#include "keystore/audit_log.h"
#include "keystore/audit_verify.h"

namespace samp11 {
namespace {

constexpr size_t kVerifyPage = 1000;

// Cuts to at most max bytes without splitting a UTF-8 sequence. A refused SAD's jti or kid is
// chosen by whoever sent it: a long one must still be recorded, not make the append fail.
std::string Cut(const std::string& text, size_t max) {
  if (text.size() <= max) return text;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

// Lowercase words joined by '-', as the names in audit.h: no typo'd or free-text event names
// that no filter would ever find.
bool IsEventName(const std::string& name) {
  if (name.empty() || name.size() > 64 || name.front() == '-' || name.back() == '-') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

bool IsOutcome(const std::string& outcome) {
  return outcome == audit_outcome::kOk || outcome == audit_outcome::kRefused ||
         outcome == audit_outcome::kError;
}

AuditRecord RecordFromRow(AuditRow row) {
  AuditRecord record;
  record.seq = row.seq;
  record.at = row.at;
  record.pid = row.pid;
  record.event.event = std::move(row.event);
  record.event.outcome = std::move(row.outcome);
  record.event.signer = std::move(row.signer);
  record.event.key_id = std::move(row.key_id);
  record.event.kid = std::move(row.kid);
  record.event.jti = std::move(row.jti);
  record.event.detail = std::move(row.detail);
  record.chain = std::move(row.chain);
  record.mac = std::move(row.mac);
  return record;
}

// Where the next record continues from. A head that fails its check, is missing beside rows, or
// lags the rows means someone edited the log: appending would write a fresh valid head over the
// evidence, so nothing is appended until the log is looked at.
Result<std::pair<int64_t, Bytes>> AppendPoint(const SecureBytes& key, const Bytes& genesis,
                                              bool anchored, const AuditTail& tail) {
  constexpr char kVerify[] = ": run `samp11 audit verify`";
  if (!tail.head) {
    if (tail.last_row) {
      return Status(Code::kTampered, std::string("the audit log has no head") + kVerify);
    }
    // An anchored token's log holds its creation from the start: empty, every record and the
    // head were removed, and a new chain would hide that.
    if (anchored) {
      return Status(
          Code::kTampered,
          std::string("the audit log is empty: its records and head were removed") + kVerify);
    }
    return std::make_pair(int64_t{0}, genesis);
  }
  SAMP11_ASSIGN_OR_RETURN(Bytes mac, AuditHeadMac(key, tail.head->seq, tail.head->chain));
  if (!ConstantTimeEqual(mac, tail.head->mac) || tail.head->seq <= 0) {
    return Status(Code::kTampered, std::string("the audit log's head failed its check") + kVerify);
  }
  if (tail.last_row && tail.last_row->seq > tail.head->seq) {
    return Status(Code::kTampered,
                  std::string("the audit log has records past its head") + kVerify);
  }
  return std::make_pair(tail.head->seq, tail.head->chain);
}

}  // namespace

Result<AuditRow> AuditLog::RowFor(const AuditEvent& event) const {
  if (!IsEventName(event.event)) {
    return Status(Code::kArgumentsBad, "an audit event name is lowercase words joined by '-'");
  }
  if (!IsOutcome(event.outcome)) {
    return Status(Code::kArgumentsBad, "an audit outcome is ok, refused or error");
  }
  AuditRow row;
  row.at = context_.clock.NowSeconds();
  row.pid = static_cast<int64_t>(CurrentPid());
  row.event = event.event;
  row.outcome = event.outcome;
  row.signer = Cut(event.signer, kMaxAuditField);
  row.key_id = event.key_id;
  if (row.key_id.size() > kMaxAuditField) row.key_id.resize(kMaxAuditField);
  row.kid = Cut(event.kid, kMaxAuditField);
  row.jti = Cut(event.jti, kMaxAuditField);
  row.detail = Cut(event.detail, kMaxAuditDetail);
  return row;
}

Status AuditLog::Append(const AuditEvent& event, Durability durability) {
  SAMP11_ASSIGN_OR_RETURN(AuditRow row, RowFor(event));
  // Runs inside the store's write transaction: the tail cannot move until the commit.
  JournalStore::Entry entry;
  entry.make_append = [this, row = std::move(row)](const AuditTail& tail, bool) {
    return MakeAppend(context_.keys.audit, row, tail);
  };
  Result<bool> written = WriteReported(std::move(entry), durability == Durability::kSynced);
  return context_.ExplainStaleKey(written.status());
}

Result<bool> AuditLog::RecordSignature(const std::optional<SpentHashRow>& spend, AuditEvent event,
                                       const std::string& lost_detail, Durability durability) {
  event.outcome = audit_outcome::kOk;
  SAMP11_ASSIGN_OR_RETURN(AuditRow signed_row, RowFor(event));
  AuditRow lost_row = signed_row;
  lost_row.outcome = audit_outcome::kRefused;
  lost_row.detail = Cut(lost_detail, kMaxAuditDetail);
  JournalStore::Entry entry;
  entry.spend = spend;
  if (entry.spend) entry.spend->spent_at = signed_row.at;
  entry.make_append = [this, signed_row = std::move(signed_row), lost_row = std::move(lost_row)](
                          const AuditTail& tail, bool spend_won) {
    return MakeAppend(context_.keys.audit, spend_won ? signed_row : lost_row, tail);
  };
  Result<bool> won = WriteReported(std::move(entry), durability == Durability::kSynced);
  if (!won.ok()) return context_.ExplainStaleKey(won.status());
  return *won;
}

Result<bool> AuditLog::WriteReported(JournalStore::Entry entry, bool synced, bool accepting) {
  if (!context_.rollback && !context_.checkpoints) return journal_.Write(std::move(entry), synced);
  // make_append runs before Write returns (in this thread or the one writing the group), and
  // again if the store retries: the link kept is that of the append written.
  AuditLink link;
  auto make = std::move(entry.make_append);
  entry.make_append = [this, &link, make = std::move(make)](const AuditTail& tail,
                                                            bool spend_won) -> Result<AuditAppend> {
    SAMP11_ASSIGN_OR_RETURN(AuditAppend append, make(tail, spend_won));
    link = LinkOf(tail, append);
    return append;
  };
  SAMP11_ASSIGN_OR_RETURN(bool won, journal_.Write(std::move(entry), synced));
  if (accepting) {
    SAMP11_RETURN_IF_ERROR(context_.rollback->Accept(link));
    if (context_.checkpoints) context_.checkpoints->AfterDurable(link.seq, link.chain);
  } else {
    SAMP11_RETURN_IF_ERROR(AfterWrite(link, synced));
  }
  return won;
}

AuditLink AuditLog::LinkOf(const AuditTail& tail, const AuditAppend& append) const {
  AuditLink link;
  link.seq = append.row.seq;
  link.chain = append.row.chain;
  link.prev_seq = append.row.seq - 1;
  link.prev_chain = tail.head ? tail.head->chain : context_.genesis;
  return link;
}

Status AuditLog::AfterWrite(const AuditLink& link, bool synced) {
  SAMP11_RETURN_IF_ERROR(GuardAfterWrite(link, synced));
  // Only a record the guard passed: a checkpoint of a rolled-back log's head would vouch for it.
  if (synced && context_.checkpoints) context_.checkpoints->AfterDurable(link.seq, link.chain);
  return Status::Ok();
}

Status AuditLog::GuardAfterWrite(const AuditLink& link, bool synced) {
  if (!context_.rollback) return Status::Ok();
  RollbackGuard::Verdict verdict = context_.rollback->AfterWrite(link, synced);
  if (verdict.first_detection) {
    SAMP11_LOG(kError, verdict.status.message());
    AuditEvent event;
    event.event = audit_event::kRollbackDetected;
    event.outcome = audit_outcome::kError;
    event.detail = verdict.status.message();
    // Its own report fails (the alarm stands); the record is written all the same.
    (void)Append(event);
  }
  return verdict.status;
}

Result<int64_t> AuditLog::AppendAcceptingRollback(const AuditEvent& event) {
  if (!context_.rollback) {
    return Status(Code::kArgumentsBad, "this token has no rollback anchor configured");
  }
  SAMP11_ASSIGN_OR_RETURN(AuditRow row, RowFor(event));
  int64_t seq = 0;
  JournalStore::Entry entry;
  entry.make_append = [this, &seq, row = std::move(row)](const AuditTail& tail,
                                                         bool) -> Result<AuditAppend> {
    SAMP11_ASSIGN_OR_RETURN(AuditAppend append, MakeAppend(context_.keys.audit, row, tail));
    seq = append.row.seq;
    return append;
  };
  SAMP11_RETURN_IF_ERROR(WriteReported(std::move(entry), true, true).status());
  return seq;
}

Result<AuditAppend> AuditLog::MakeAppend(const SecureBytes& audit_key, const AuditRow& row,
                                         const AuditTail& tail) const {
  SAMP11_ASSIGN_OR_RETURN(auto point,
                          AppendPoint(audit_key, context_.genesis,
                                      context_.audit_anchored && !context_.joining_chain, tail));
  AuditAppend append;
  append.row = row;
  append.row.seq = point.first + 1;
  append.row.chain = AuditChainNext(point.second, append.row);
  SAMP11_ASSIGN_OR_RETURN(append.row.mac,
                          AuditRecordMac(audit_key, append.row.seq, append.row.chain));
  append.head.seq = append.row.seq;
  append.head.chain = append.row.chain;
  SAMP11_ASSIGN_OR_RETURN(append.head.mac,
                          AuditHeadMac(audit_key, append.head.seq, append.head.chain));
  return append;
}

Result<AuditReport> AuditLog::Verify() {
  // Where the store keeps records beyond its rows (the signature journal) is checked first: a
  // damaged segment is a problem of the log like an edited row, and the rows are walked anyway.
  SAMP11_ASSIGN_OR_RETURN(std::vector<std::string> storage, context_.state.audit().CheckStorage());
  // The tail is read first, as one snapshot, and the walk stops at its head: records appended
  // meanwhile by other processes are neither walked nor mistaken for records past the head.
  SAMP11_ASSIGN_OR_RETURN(AuditTail tail, context_.state.audit().GetAuditTail());
  const AnchorPoint head =
      tail.head ? AnchorPoint{tail.head->seq, tail.head->chain} : AnchorPoint{0, context_.genesis};
  SAMP11_ASSIGN_OR_RETURN(AuditVerifier verifier,
                          AuditVerifier::Create(context_.keys.audit, context_.genesis,
                                                std::move(tail), context_.audit_anchored));
  AuditRowFilter bound;
  bound.max_seq = verifier.WalkBound();
  // From the lowest possible seq: a row slipped in below 1 is reported, not skipped.
  int64_t after = std::numeric_limits<int64_t>::min();
  while (bound.max_seq > 0) {
    SAMP11_ASSIGN_OR_RETURN(std::vector<AuditRow> rows,
                            context_.state.audit().ListAuditRows(after, kVerifyPage, bound));
    if (rows.empty()) break;
    after = rows.back().seq;
    for (AuditRow& row : rows) SAMP11_RETURN_IF_ERROR(verifier.Add(std::move(row)));
    if (rows.size() < kVerifyPage) break;
  }
  SAMP11_ASSIGN_OR_RETURN(AuditReport report, verifier.Finish());
  for (std::string& what : storage) {
    report.problems.insert(report.problems.begin(), AuditProblem{0, std::move(what)});
  }
  // A log that verifies may still be an earlier copy of itself: the anchor knows.
  if (context_.rollback) {
    Status rolled = context_.rollback->Recheck(head);
    if (rolled.code() == Code::kTampered) {
      report.problems.insert(report.problems.begin(), AuditProblem{0, rolled.message()});
    } else if (!rolled.ok()) {
      return rolled;
    }
  }
  return report;
}

Result<std::vector<AuditRecord>> AuditLog::List(const AuditFilter& filter, int64_t after_seq) {
  size_t limit = filter.limit == 0 ? kDefaultAuditPage : std::min(filter.limit, kMaxAuditPage);
  AuditRowFilter rows_filter;
  rows_filter.signer = filter.signer;
  rows_filter.key_id = filter.key_id;
  rows_filter.since = filter.since;
  rows_filter.until = filter.until;
  rows_filter.event = filter.event;
  rows_filter.max_seq = filter.max_seq;
  SAMP11_ASSIGN_OR_RETURN(std::vector<AuditRow> rows,
                          context_.state.audit().ListAuditRows(after_seq, limit, rows_filter));
  std::vector<AuditRecord> records;
  records.reserve(rows.size());
  for (AuditRow& row : rows) records.push_back(RecordFromRow(std::move(row)));
  return records;
}

Result<int64_t> AuditLog::LastSeq() {
  SAMP11_ASSIGN_OR_RETURN(AuditTail tail, context_.state.audit().GetAuditTail());
  int64_t last = tail.head ? tail.head->seq : 0;
  if (tail.last_row) last = std::max(last, tail.last_row->seq);
  return last;
}

Status AuditLog::CheckWritable() {
  SAMP11_ASSIGN_OR_RETURN(AuditTail tail, context_.state.audit().GetAuditTail());
  SAMP11_RETURN_IF_ERROR(context_.ExplainStaleKey(
      AppendPoint(context_.keys.audit, context_.genesis, context_.audit_anchored, tail).status()));
  // And where the store keeps records beyond its rows (the signature journal): a damaged
  // segment refuses appends, so the change must not happen either.
  SAMP11_ASSIGN_OR_RETURN(std::vector<std::string> storage, context_.state.audit().CheckStorage());
  if (!storage.empty()) {
    return Status(Code::kTampered, storage.front() + ": run `samp11 audit verify`");
  }
  return Status::Ok();
}

Status AuditLog::Record(AuditEvent event, const Status& result, Durability durability) {
  if (result.ok()) {
    event.outcome = audit_outcome::kOk;
  } else {
    // The keystore's own faults are errors; everything else is the keystore saying no.
    const Code code = result.code();
    const bool fault = code == Code::kStorage || code == Code::kInternal ||
                       code == Code::kTampered || code == Code::kDevice ||
                       code == Code::kTokenNotPresent;
    event.outcome = fault ? audit_outcome::kError : audit_outcome::kRefused;
    // The reason first, as "code: message" (the code is what `samp11 metrics` counts refusals
    // by); what the caller said of the step (a lifecycle reason, a signature's mechanism and
    // caller) stays after it.
    event.detail =
        event.detail.empty() ? result.ToString() : result.ToString() + "; " + event.detail;
  }
  Status audited = Append(event, durability);
  // A refusal is what the caller must see; its record failing (storage down, tampered head)
  // changes nothing for the caller.
  if (!result.ok()) return result;
  if (!audited.ok()) {
    return Status(audited.code(), event.event +
                                      " succeeded, but its audit record could not be written: " +
                                      audited.message());
  }
  return Status::Ok();
}

}  // namespace samp11
