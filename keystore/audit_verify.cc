#include "keystore/audit_verify.h"

#include <utility>

#include "keystore/audit_chain.h"

namespace samp11 {
namespace {

std::string RecordName(int64_t seq) { return "record " + std::to_string(seq); }

std::string Range(int64_t first, int64_t last) {
  return std::to_string(first) + ".." + std::to_string(last);
}

// "record 5 is" or "records 3..5 are".
std::string RecordsAre(int64_t first, int64_t last) {
  if (first == last) return RecordName(first) + " is";
  return "records " + Range(first, last) + " are";
}

}  // namespace

Result<AuditVerifier> AuditVerifier::Create(const SecureBytes& key, Bytes genesis, AuditTail tail,
                                            bool anchored) {
  bool head_ok = false;
  if (tail.head) {
    SAMP11_ASSIGN_OR_RETURN(Bytes mac, AuditHeadMac(key, tail.head->seq, tail.head->chain));
    head_ok = ConstantTimeEqual(mac, tail.head->mac) && tail.head->seq > 0;
  }
  return AuditVerifier(key, std::move(genesis), std::move(tail), head_ok, anchored);
}

AuditVerifier::AuditVerifier(const SecureBytes& key, Bytes genesis, AuditTail tail, bool head_ok,
                             bool anchored)
    : key_(key),
      tail_(std::move(tail)),
      head_ok_(head_ok),
      anchored_(anchored),
      previous_(std::move(genesis)) {}

int64_t AuditVerifier::WalkBound() const {
  if (head_ok_) return tail_.head->seq;
  return tail_.last_row ? tail_.last_row->seq : 0;
}

Status AuditVerifier::Add(AuditRow row) {
  if (pending_) SAMP11_RETURN_IF_ERROR(Judge(*pending_, &row));
  pending_ = std::move(row);
  return Status::Ok();
}

Result<AuditReport> AuditVerifier::Finish() {
  if (pending_) SAMP11_RETURN_IF_ERROR(Judge(*pending_, nullptr));
  pending_.reset();
  const int64_t last_walked = report_.last_seq;
  if (!tail_.head) {
    if (tail_.last_row) {
      Problem(last_walked, "the head is missing: the log's end cannot be checked");
    } else if (anchored_) {
      Problem(1,
              "the log is empty: every record and the head were removed (this token's log "
              "starts with its creation)");
    }
  } else if (!head_ok_) {
    Problem(tail_.head->seq, "the head does not match (its MAC does not match)");
  } else {
    const int64_t head_seq = tail_.head->seq;
    if (last_walked < head_seq) {
      int64_t removed = head_seq - last_walked;
      Problem(last_walked + 1,
              removed == 1
                  ? "the last record was removed (record " + std::to_string(head_seq) + ")"
                  : "the last " + std::to_string(removed) + " records were removed (records " +
                        Range(last_walked + 1, head_seq) + ")");
    } else if (previous_ && *previous_ != tail_.head->chain) {
      // previous_ unknown means the last record was already reported.
      Problem(head_seq, "the head does not match the last record");
    }
    if (tail_.last_row && tail_.last_row->seq > head_seq) {
      Problem(head_seq + 1, RecordsAre(head_seq + 1, tail_.last_row->seq) +
                                " past the head (added outside the module, or the head was rolled "
                                "back)");
    }
  }
  if (unlisted_problems_ > 0) {
    report_.problems.push_back(
        {0, std::to_string(unlisted_problems_) + " further problems are not listed"});
  }
  return std::move(report_);
}

Status AuditVerifier::Judge(const AuditRow& r, const AuditRow* next) {
  if (r.seq < expected_seq_) {  // only a seq below 1: the store returns seqs ascending and unique
    Problem(r.seq, RecordName(r.seq) + " has an impossible seq");
    return Status::Ok();
  }
  if (report_.records == 0) report_.first_seq = r.seq;
  ++report_.records;
  report_.last_seq = r.seq;
  std::optional<Bytes> previous;
  if (r.seq > expected_seq_) {
    Missing(expected_seq_, r.seq - 1);
  } else {
    previous = std::move(previous_);
  }
  SAMP11_ASSIGN_OR_RETURN(Bytes mac, AuditRecordMac(key_, r.seq, r.chain));
  const bool mac_ok = ConstantTimeEqual(mac, r.mac);
  const std::string name = RecordName(r.seq);
  std::optional<Bytes> trusted;
  if (previous) {
    Bytes computed = AuditChainNext(*previous, r);
    const bool link_ok = computed == r.chain;
    if (link_ok && mac_ok) {
      trusted = std::move(computed);
    } else if (link_ok) {
      Problem(r.seq, name + " was edited or forged (its MAC does not match)");
      trusted = std::move(computed);
    } else if (mac_ok) {
      // The MAC vouches that this chain value belongs at this seq: the fields were changed.
      Problem(r.seq, name + " was edited (its fields do not match its chain)");
      trusted = r.chain;
    } else if (Confirmed(r, next, computed)) {
      Problem(r.seq, name + " was edited (its chain value was changed)");
      trusted = std::move(computed);
    } else {
      Problem(r.seq, name +
                         " is out of order or was rewritten (its chain and MAC belong to no record "
                         "at this position)");
    }
  } else if (mac_ok) {
    // After a gap or a misplaced record only the MAC can be checked: it vouches for the chain
    // value, from which the walk goes on.
    trusted = r.chain;
  } else if (Confirmed(r, next, r.chain)) {
    Problem(r.seq, name + " was edited or forged (its MAC does not match)");
    trusted = r.chain;
  } else {
    Problem(r.seq, name +
                       " is out of order or was rewritten (its MAC belongs to no record at "
                       "this position)");
  }
  expected_seq_ = r.seq + 1;
  previous_ = std::move(trusted);
  return Status::Ok();
}

bool AuditVerifier::Confirmed(const AuditRow& r, const AuditRow* next, const Bytes& chain) const {
  if (next != nullptr) {
    return next->seq == r.seq + 1 && AuditChainNext(chain, *next) == next->chain;
  }
  return head_ok_ && tail_.head->seq == r.seq && tail_.head->chain == chain;
}

void AuditVerifier::Problem(int64_t seq, std::string what) {
  if (report_.problems.size() >= kMaxAuditProblems) {
    ++unlisted_problems_;
    return;
  }
  report_.problems.push_back({seq, std::move(what)});
}

void AuditVerifier::Missing(int64_t first, int64_t last) {
  Problem(first, RecordsAre(first, last) + " missing");
}

}  // namespace samp11
