// Small facts about audit tails and journal positions, shared by the journal's appending and
// folding halves (file_journal.cc, file_journal_fold.cc).
#pragma once

#include <cstdint>
#include <string>

#include "state/rows.h"

namespace samp11 {

// The seq of the log's head, 0 for an empty log.
inline int64_t HeadSeq(const AuditTail& tail) { return tail.head ? tail.head->seq : 0; }

// Whether two tails end at the same head (seq and chain).
inline bool SameHead(const AuditTail& a, const AuditTail& b) {
  if (a.head.has_value() != b.head.has_value()) return false;
  return !a.head || (a.head->seq == b.head->seq && a.head->chain == b.head->chain);
}

// "PATH at byte N", for messages that name a place in a segment.
inline std::string JournalAt(const std::string& path, int64_t offset) {
  return path + " at byte " + std::to_string(offset);
}

}  // namespace samp11
