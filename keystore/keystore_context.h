// What every part of a token's keystore shares (keystore.h): its state, its clock, its identity
// and the keys derived from its master key. Owned by Keystore; the parts hold a reference.
#pragma once

#include <string>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/status.h"
#include "keystore/master_key.h"
#include "state/state_store.h"

namespace samp11 {

class AuditCheckpointer;
class RollbackGuard;

struct KeystoreContext {
  StateStore& state;
  const Clock& clock;    // stamps every time the keystore records
  std::string identity;  // the token's, and the SAD `aud`
  std::string label;
  // Where this store's audit chain starts (audit_chain.h: the token's, or its node's).
  Bytes genesis;
  // Set while this node's chain takes its first record (Keystore::JoinChain): an empty chain is
  // otherwise a log that was emptied by hand.
  bool joining_chain = false;
  DerivedKeys keys;              // replaced by a master-key rotation (rotate_master_key.cc)
  SecureBytes pin_key;           // the key of PIN hashes (pin_hash.h)
  std::string master_check_hex;  // meta master_check as this process's master key computes it
  // Whether the log is anchored to the token (keystore.cc): then an audit log with no record and
  // no head was emptied by hand, and nothing is appended to it. False only while a token is
  // being created, and for a token from before anchoring until its open anchors it.
  bool audit_anchored = false;
  // Set when the configuration names a rollback anchor (Keystore::GuardRollback); every append
  // then reports to it (audit_log.cc).
  RollbackGuard* rollback = nullptr;
  // Set when the configuration asks the module for checkpoints (Keystore::EmitCheckpoints): every
  // synced append then notes its record (audit_checkpointer.h).
  AuditCheckpointer* checkpoints = nullptr;

  // A tampered-looking failure in a process whose master key was rotated away (meta
  // master_check no longer matches this process's) becomes kConfig saying so; anything else is
  // returned as is.
  Status ExplainStaleKey(Status status) const;
};

}  // namespace samp11
