// Refuses a keystore that was put back to an earlier state (a copy restored over it, a VM
// snapshot, a storage rollback): after it, the replay ledger has forgotten spends, and a SAD
// already used would sign again.
//
// The audit log is the measure: every spend is written together with a record, and the chain value
// of a record fixes the whole log up to it (audit_chain.h). After each synced write the guard
// moves the anchor (rollback_anchor.h), kept outside the keystore's files, to the record that write
// made; at open and at each synced write it checks that the log holds the anchor's record. A log
// that does not was put back (or forked from a copy): the guard says so, and from then on every
// write of this process fails (the signature it carries is withheld) until an operator accepts the
// state (`samp11 audit accept-rollback`, keystore.h), in this process or any other.
//
// The anchor moves only after the keystore's write is durable, so it can lag the log after a crash
// but never lead it: a crash raises no false alarm, and a spend that was acknowledged is always at
// or below the anchor.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/bytes.h"
#include "common/status.h"
#include "keystore/rollback_anchor.h"
#include "state/audit_store.h"

namespace samp11 {

// What one append wrote: the record it continued from (seq 0 and the genesis on an empty log)
// and the record it made.
struct AuditLink {
  int64_t prev_seq = 0;
  Bytes prev_chain;
  int64_t seq = 0;
  Bytes chain;
};

class RollbackGuard {
 public:
  RollbackGuard(AuditStore& audit, std::unique_ptr<RollbackAnchor> anchor)
      : audit_(audit), anchor_(std::move(anchor)) {}
  RollbackGuard(const RollbackGuard&) = delete;
  RollbackGuard& operator=(const RollbackGuard&) = delete;

  // At open, with the log's head (seq 0 for an empty log). An anchor never written is set to the
  // head (created: true). Else the log must hold the anchor's record.
  struct OpenCheck {
    bool created = false;
    std::optional<AnchorPoint> anchor;  // as found
  };
  Result<OpenCheck> CheckAtOpen(const AnchorPoint& head);

  // After every append this process made. synced: the write is durable, and the anchor moves to
  // it once the log is known to hold the anchor's record. An error means the write must not be
  // relied on (a signature it records is withheld): kTampered when the keystore was rolled back,
  // kStorage when the anchor cannot be read or written. first_detection is set once, on the
  // write that found the rollback, for the caller to record it.
  struct Verdict {
    Status status;
    bool first_detection = false;
  };
  Verdict AfterWrite(const AuditLink& link, bool synced);
  // For `accept-rollback`'s own record: moves the anchor to it unconditionally, clears the alarm.
  Status Accept(const AuditLink& link);

  // The rollback found by this process and not accepted since (kTampered, naming both points);
  // Ok otherwise. Checked again against the anchor, which another process may have accepted.
  Status Recheck(const AnchorPoint& head);
  bool detected() const;
  std::string Describe() const { return anchor_->Describe(); }

 private:
  // Whether the log, as of link, holds point. Walks back over this process's own appends where
  // it can; reads the store where it cannot (another process wrote in between, or a point ahead).
  Result<bool> Holds(const AnchorPoint& point, const AuditLink& link);
  Result<bool> StoreHolds(const AnchorPoint& point);
  // Raises or lifts the alarm by whether the log, at head, holds anchor.
  Status JudgeHead(const AnchorPoint& anchor, const AnchorPoint& head);
  Status Rolled(const AnchorPoint& anchor, int64_t head_seq) const;
  Status Unusable(const Status& status);
  void Remember(const AuditLink& link);

  AuditStore& audit_;
  std::unique_ptr<RollbackAnchor> anchor_;
  mutable std::mutex mu_;
  // This process's appends by seq (the newest at each seq): chain and the chain before it.
  // Bounded; what falls out is read from the store instead.
  std::map<int64_t, std::pair<Bytes, Bytes>> links_;
  std::optional<std::string> detected_;  // the alarm's message
  static constexpr size_t kMaxLinks = 4096;
};

}  // namespace samp11
