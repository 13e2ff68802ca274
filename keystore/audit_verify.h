// Checks an audit log streamed in seq order, in constant memory: it holds one row back, to look
// at the row after it, and the chain value the next row must extend.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/bytes.h"
#include "common/status.h"
#include "keystore/audit.h"
#include "state/rows.h"

namespace samp11 {

class AuditVerifier {
 public:
  // tail is the snapshot the walk is bounded by; key and genesis as in audit_chain.h; anchored:
  // the log must not be empty (audit_log.h). key must outlive the verifier.
  static Result<AuditVerifier> Create(const SecureBytes& key, Bytes genesis, AuditTail tail,
                                      bool anchored);

  // The highest seq the walk should read: the head's if it is authentic, else the last row's.
  // Rows past an authentic head are reported from the tail, not walked.
  int64_t WalkBound() const;

  // Feed every row with seq <= WalkBound(), ascending, then call Finish once.
  Status Add(AuditRow row);
  Result<AuditReport> Finish();

 private:
  AuditVerifier(const SecureBytes& key, Bytes genesis, AuditTail tail, bool head_ok, bool anchored);

  // Judges row r, with next the row after it in the walk (nullptr at the end).
  Status Judge(const AuditRow& r, const AuditRow* next);
  // True if the record after r extends chain, which then must be r's real chain value: the
  // next row's chain commits to it (or, at the end, the authentic head records it).
  bool Confirmed(const AuditRow& r, const AuditRow* next, const Bytes& chain) const;
  void Problem(int64_t seq, std::string what);
  void Missing(int64_t first, int64_t last);

  const SecureBytes& key_;
  AuditTail tail_;
  bool head_ok_;
  bool anchored_;
  std::optional<AuditRow> pending_;
  int64_t expected_seq_ = 1;
  // The authentic chain value of record expected_seq_ - 1; unknown after a gap or a record that
  // does not belong where it is, until a record's own MAC vouches for its chain again.
  std::optional<Bytes> previous_;
  AuditReport report_;
  int64_t unlisted_problems_ = 0;
};

}  // namespace samp11
