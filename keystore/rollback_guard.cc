#include "keystore/rollback_guard.h"

#include <utility>
#include <vector>

#include "common/log.h"

namespace samp11 {

namespace {

AnchorPoint PointOf(const AuditLink& link) { return AnchorPoint{link.seq, link.chain}; }

// A head as the link of an append that wrote it: Holds then asks the store about anything older.
AuditLink HeadLink(const AnchorPoint& head) {
  return AuditLink{head.seq, head.chain, head.seq, head.chain};
}

}  // namespace

Status RollbackGuard::Rolled(const AnchorPoint& anchor, int64_t head_seq) const {
  const std::string where = head_seq >= anchor.seq
                                ? "its record " + std::to_string(anchor.seq) +
                                      " is another one (the log is at record " +
                                      std::to_string(head_seq) + ")"
                                : "it stops at record " + std::to_string(head_seq);
  return Status(Code::kTampered,
                "rollback detected: the rollback anchor (" + anchor_->Describe() +
                    ") holds audit record " + std::to_string(anchor.seq) +
                    ", which is not in this keystore's log: " + where +
                    ". The keystore was put back to an earlier state, and spends made since may "
                    "be forgotten. Nothing signs until an operator runs `samp11 audit "
                    "accept-rollback`");
}

// An anchor that is not this token's (kTampered from the anchor itself) guards nothing: the alarm
// is raised as for a rollback, and accept-rollback writes it afresh.
Status RollbackGuard::Unusable(const Status& status) {
  if (status.code() != Code::kTampered) return status;
  std::lock_guard<std::mutex> lock(mu_);
  detected_ =
      status.message() + ": nothing signs until an operator runs `samp11 audit accept-rollback`";
  return Status::Ok();
}

void RollbackGuard::Remember(const AuditLink& link) {
  std::lock_guard<std::mutex> lock(mu_);
  links_[link.seq] = std::make_pair(link.chain, link.prev_chain);
  while (links_.size() > kMaxLinks) links_.erase(links_.begin());
}

bool RollbackGuard::detected() const {
  std::lock_guard<std::mutex> lock(mu_);
  return detected_.has_value();
}

Result<bool> RollbackGuard::StoreHolds(const AnchorPoint& point) {
  if (point.seq <= 0) return true;  // every log holds its own start
  SAMP11_ASSIGN_OR_RETURN(std::vector<AuditRow> rows,
                          audit_.ListAuditRows(point.seq - 1, 1, AuditRowFilter{}));
  return !rows.empty() && rows.front().seq == point.seq && rows.front().chain == point.chain;
}

Result<bool> RollbackGuard::Holds(const AnchorPoint& point, const AuditLink& link) {
  if (point.seq == link.seq) return point.chain == link.chain;
  if (point.seq > link.seq) return StoreHolds(point);  // another process wrote it, or a rollback
  // Back from the record this append continued, over this process's own appends: each one's
  // chain value must be the one the next continued from. The single-process case never reads.
  Bytes expected = link.prev_chain;
  int64_t at = link.prev_seq;
  {
    std::lock_guard<std::mutex> lock(mu_);
    while (at > point.seq) {
      auto found = links_.find(at);
      if (found == links_.end() || found->second.first != expected) break;
      expected = found->second.second;
      --at;
    }
  }
  if (at == point.seq) return expected == point.chain;
  return StoreHolds(point);
}

Status RollbackGuard::JudgeHead(const AnchorPoint& anchor, const AnchorPoint& head) {
  SAMP11_ASSIGN_OR_RETURN(bool holds, Holds(anchor, HeadLink(head)));
  std::lock_guard<std::mutex> lock(mu_);
  if (holds) {
    detected_.reset();
  } else {
    detected_ = Rolled(anchor, head.seq).message();
  }
  return Status::Ok();
}

Result<RollbackGuard::OpenCheck> RollbackGuard::CheckAtOpen(const AnchorPoint& head) {
  OpenCheck check;
  SAMP11_RETURN_IF_ERROR(Unusable(anchor_->Advance(
      [&](const std::optional<AnchorPoint>& stored) -> Result<std::optional<AnchorPoint>> {
        check.anchor = stored;
        if (!stored) {
          if (head.seq <= 0) return std::optional<AnchorPoint>();
          check.created = true;
          return std::optional<AnchorPoint>(head);
        }
        Status judged = JudgeHead(*stored, head);  // (not the macro: this runs inside one)
        if (!judged.ok()) return judged;
        // The anchor moves only with synced writes: the head may hold records not synced yet.
        return std::optional<AnchorPoint>();
      })));
  return check;
}

RollbackGuard::Verdict RollbackGuard::AfterWrite(const AuditLink& link, bool synced) {
  Remember(link);
  const bool was_detected = detected();
  if (!synced && !was_detected) return Verdict{Status::Ok(), false};
  Status advanced = anchor_->Advance(
      [&](const std::optional<AnchorPoint>& stored) -> Result<std::optional<AnchorPoint>> {
        if (!stored) {
          // Removed while the module ran. From here on it guards again; the log shows the
          // record it starts from.
          SAMP11_LOG(kWarn, "the rollback anchor (" << anchor_->Describe()
                                                    << ") was missing; written again at "
                                                       "audit record "
                                                    << link.seq);
          if (!synced) return std::optional<AnchorPoint>();
          return std::optional<AnchorPoint>(PointOf(link));
        }
        SAMP11_ASSIGN_OR_RETURN(bool holds, Holds(*stored, link));
        {
          std::lock_guard<std::mutex> lock(mu_);
          if (!holds) {
            detected_ = Rolled(*stored, link.seq).message();
            return std::optional<AnchorPoint>();
          }
          detected_.reset();  // accepted meanwhile, by another process
        }
        if (synced && stored->seq < link.seq) return std::optional<AnchorPoint>(PointOf(link));
        return std::optional<AnchorPoint>();
      });
  advanced = Unusable(advanced);
  if (!advanced.ok()) return Verdict{advanced, false};
  std::lock_guard<std::mutex> lock(mu_);
  if (detected_) return Verdict{Status(Code::kTampered, *detected_), !was_detected};
  return Verdict{Status::Ok(), false};
}

Status RollbackGuard::Accept(const AuditLink& link) {
  Remember(link);
  SAMP11_RETURN_IF_ERROR(anchor_->Reset(PointOf(link)));
  std::lock_guard<std::mutex> lock(mu_);
  detected_.reset();
  return Status::Ok();
}

Status RollbackGuard::Recheck(const AnchorPoint& head) {
  SAMP11_RETURN_IF_ERROR(Unusable(anchor_->Advance(
      [&](const std::optional<AnchorPoint>& stored) -> Result<std::optional<AnchorPoint>> {
        Status judged = stored ? JudgeHead(*stored, head) : Status::Ok();
        if (!judged.ok()) return judged;
        return std::optional<AnchorPoint>();
      })));
  std::lock_guard<std::mutex> lock(mu_);
  if (detected_) return Status(Code::kTampered, *detected_);
  return Status::Ok();
}

}  // namespace samp11
