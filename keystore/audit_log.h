// The token's audit log: hash-chained, MAC'd records of what the module allowed and refused
// (audit.h, docs/keystore.md). Appends are safe from many threads and processes at once; a
// signature's records go through the signature journal (group commit, signature_journal.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "keystore/audit.h"
#include "keystore/audit_checkpointer.h"
#include "keystore/keystore_context.h"
#include "keystore/rollback_guard.h"
#include "keystore/signature_journal.h"
#include "state/rows.h"

namespace samp11 {

class AuditLog {
 public:
  explicit AuditLog(KeystoreContext& context)
      : context_(context), journal_(context.state.journal()) {}
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Synced (the default): durable before it returns. Lazy: committed, so every process sees it
  // and a process crash cannot lose it, but synced only with the next synced write (group commit
  // with other threads either way). Lazy is for records that decide nothing by themselves:
  // logins and refusals, not signatures or key management.
  enum class Durability { kSynced, kLazy };

  // Appends one record. kArgumentsBad for an unknown outcome or a malformed event name;
  // kTampered, appending nothing, if the log's head fails its check (an attacker must not get a
  // fresh valid head).
  Status Append(const AuditEvent& event, Durability durability = Durability::kSynced);
  // Records an operation's result (outcome ok, refused, or error for storage/tamper/internal
  // faults; a failure becomes the detail as "code: message", before the event's own detail if it
  // has one).
  // Returns result if it failed; else Ok, or the append's failure if the record could not be
  // written (the operation itself did happen).
  Status Record(AuditEvent event, const Status& result,
                Durability durability = Durability::kSynced);
  // A signature's records in one durable write, shared with other threads signing meanwhile:
  // the hash's spend when given, and event, its "sign" record, as ok. If the hash was spent
  // already (by anyone) nothing is spent, the record says refused with lost_detail, and the
  // result is false: the signature must not leave the module. An error means neither was
  // written.
  Result<bool> RecordSignature(const std::optional<SpentHashRow>& spend, AuditEvent event,
                               const std::string& lost_detail,
                               Durability durability = Durability::kSynced);
  // kTampered if the log could not take a record now: checked before a key-management operation
  // so that nothing changes in a token whose log cannot record it.
  Status CheckWritable();

  // Walks every record in seq order, a page at a time, and reports every problem found.
  Result<AuditReport> Verify();
  // Records with seq > after_seq that match filter, ascending, one page (see AuditFilter).
  // Not checked: Verify is the check.
  Result<std::vector<AuditRecord>> List(const AuditFilter& filter, int64_t after_seq);
  // The seq of the newest record (0 for an empty log), as the log's head says: where a reader
  // that wants the newest records starts walking back from.
  Result<int64_t> LastSeq();
  // This log's chain (empty: the token's one chain) and every chain of the state
  // (AuditStore::ChainName, ListChainNames): each signing node of a shared state has its own.
  std::string ChainName() const { return context_.state.audit().ChainName(); }
  Result<std::vector<std::string>> ChainNames() { return context_.state.audit().ListChainNames(); }

  // For the parts that write a record inside an atomic write of their own (a batch claim, a
  // master-key rotation): the row an event becomes (event name and outcome checked; fields cut to
  // their limits), and that row chained and MAC'd under audit_key onto tail.
  Result<AuditRow> RowFor(const AuditEvent& event) const;
  Result<AuditAppend> MakeAppend(const SecureBytes& audit_key, const AuditRow& row,
                                 const AuditTail& tail) const;
  // What such an append wrote, and the report of it to the rollback guard and the checkpointer,
  // which every append makes once it is written (synced: durable). An error means the write must
  // not be relied on (rollback_guard.h); a rollback found here is recorded as rollback-detected.
  AuditLink LinkOf(const AuditTail& tail, const AuditAppend& append) const;
  Status AfterWrite(const AuditLink& link, bool synced);
  // accept-rollback's record (keystore.h): appended, synced, and the anchor moved to it whatever it
  // held. Returns the record's seq.
  Result<int64_t> AppendAcceptingRollback(const AuditEvent& event);

 private:
  // journal_.Write, then AfterWrite with what make_append wrote.
  Result<bool> WriteReported(JournalStore::Entry entry, bool synced, bool accepting = false);
  Status GuardAfterWrite(const AuditLink& link, bool synced);

  KeystoreContext& context_;
  SignatureJournal journal_;
};

}  // namespace samp11
