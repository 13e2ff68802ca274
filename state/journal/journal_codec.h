// The signature journal's bytes (docs/keystore.md, "The signature journal"): a segment is a
// header frame then record frames, each frame
//
//   magic (4 bytes) | payload length (u32 LE) | payload | SHA-256(magic, length, payload)[0..16)
//
// The checksum only tells a whole frame from a torn or damaged one; what a record says is
// authenticated by the audit chain it carries (keystore/audit_log.h), which the keystore checks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "state/rows.h"

namespace samp11 {

// A segment's first frame: whose log it continues, and from where.
struct JournalHeader {
  std::string identity;  // the token's identity (meta "identity"): a foreign segment is refused
  int64_t generation = 0;
  AuditTail base;  // the audit log's tail before this segment's first record
};

// One write of the signing path: the spends it won (none, one, or a batch claim's) and the audit
// record appended with them, as AuditLog::MakeAppend made it.
struct JournalRecord {
  std::vector<SpentHashRow> spends;
  AuditAppend append;
};

// The frame's size bounds: a record's fields are cut to their audit limits, and a batch claim
// spends at most a few hundred hashes, so anything longer is damage.
constexpr size_t kJournalFrameOverhead = 4 + 4 + 16;
constexpr uint32_t kMaxJournalPayload = 1u << 20;

Bytes EncodeJournalHeader(const JournalHeader& header);
Bytes EncodeJournalRecord(const JournalRecord& record);

// What one frame at an offset turned out to be.
enum class FrameRead {
  kWhole,    // a frame with a matching checksum
  kShort,    // the bytes end before the frame does (torn, or still being written)
  kDamaged,  // a wrong magic, an impossible length, or a checksum that does not match
};

struct DecodedFrame {
  FrameRead read = FrameRead::kShort;
  size_t size = 0;  // the whole frame's length, when kWhole
  std::optional<JournalHeader> header;
  std::optional<JournalRecord> record;
};

// Reads the frame at the start of bytes[0..size). A whole frame whose payload does not parse is
// kDamaged.
DecodedFrame DecodeJournalFrame(const uint8_t* bytes, size_t size);

}  // namespace samp11
