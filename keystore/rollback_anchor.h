// Where a token's rollback guard (rollback_guard.h) keeps its high-water mark: the newest audit
// record that a synced write is known to have made durable, outside the keystore's own files, so
// that putting those files back to an earlier copy leaves the mark ahead of them.
//
// An anchor holds no secret and needs no key: the chain value it keeps is public arithmetic
// (audit_chain.h), and what protects it is only that it lives where the keystore's attacker cannot
// write (another file system, another owner). An attacker who can rewrite both is out of reach of
// any anchor (docs/security.md says which rollbacks each place catches).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/bytes.h"
#include "common/status.h"

namespace samp11 {

// An audit record by position and chain value: the chain value at a seq fixes every record up to
// it, so "the log holds this point" means "the log is this history, or continues it".
struct AnchorPoint {
  int64_t seq = 0;
  Bytes chain;
};

class RollbackAnchor {
 public:
  virtual ~RollbackAnchor() = default;

  // Reads the stored point (none: never written) and calls update with it while every other
  // thread and process that shares the anchor waits; a point update returns is stored, durably,
  // before the others go on. kStorage if the anchor cannot be read or written, kTampered if what
  // it holds is not an anchor of this token; update is then not called.
  using Update =
      std::function<Result<std::optional<AnchorPoint>>(const std::optional<AnchorPoint>& stored)>;
  virtual Status Advance(const Update& update) = 0;
  // Stores point whatever the anchor holds, even something unreadable or another token's: for an
  // operator who accepts the keystore as it is (`samp11 audit accept-rollback`).
  virtual Status Reset(const AnchorPoint& point) = 0;

  // Where the anchor lives, for messages and the audit log ("file /var/lib/...").
  virtual std::string Describe() const = 0;
};

// An anchor file at path (created mode 0600 on first write; its folder must exist), bound to the
// token identity. Two slots, written in turn, each with its own checksum: a write torn by a power
// loss leaves the other slot, an older but true point, so a torn write never raises a false alarm.
std::unique_ptr<RollbackAnchor> MakeRollbackAnchorFile(const std::string& path,
                                                       const std::string& identity);

}  // namespace samp11
