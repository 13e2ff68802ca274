// Checkpoints of the audit log kept outside the keystore: the token's identity, the log's head
// (seq and chain value), the replay ledger's high-water mark (how many spent hashes it held) and
// the time, signed with the token's checkpoint key. Made on demand (`samp11 audit checkpoint`) and
// by the module itself (audit_checkpointer.h), and sent to a place the keystore's attacker cannot
// rewrite (an append-only file on another file system, syslog forwarded off the host), they let
// `samp11 audit verify --checkpoints FILE` name a log that is behind a checkpoint or went another
// way since, and a ledger that lost spent hashes, even where no rollback anchor runs.
//
// The checkpoint key is Ed25519, derived from the key the token carries over master-key rotations
// (the PIN-hash key, pin_hash.h) with its own label: it is held under the master key, and does not
// change with a rotation, so checkpoints written before one still verify. Its public key
// (`samp11 audit checkpoint --public-key`) lets anyone check a checkpoint's signature off the host.
//
// One checkpoint is one JSON line:
//   {"samp11_checkpoint":1,"token":ID,"seq":N,"chain":HEX,"spent":S,"at":T,"time":ISO,
//    "sig":BASE64}
// sig: Ed25519 over canonical("samp11 audit checkpoint v1", token, seq, chain, spent, at). A
// token on PostgreSQL keeps a chain per signing node: its checkpoints say whose, with "node":NAME
// after the token, and sign canonical("samp11 audit node checkpoint v1", token, node, seq, chain,
// spent, at), so that nodes may share one sink and no line passes for another node's. A line
// may come with a prefix (a syslog line's time, host and tag): the checkpoint is its JSON object.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/ossl.h"
#include "keystore/audit.h"

namespace samp11 {

struct AuditCheckpoint {
  std::string token;
  std::string node;  // the chain's node (AuditStore::ChainName); empty for a token in a file
  int64_t seq = 0;
  Bytes chain;
  int64_t spent = 0;  // spent hashes in the replay ledger (state/replay_store.h)
  int64_t at = 0;
  Bytes signature;
};

// The checkpoint key from the token's carried key.
Result<EvpPkeyPtr> CheckpointKey(const SecureBytes& carried_key);
Bytes CheckpointSigningInput(const AuditCheckpoint& checkpoint);
std::string CheckpointLine(const AuditCheckpoint& checkpoint);
// kArgumentsBad if the line holds no checkpoint, or a malformed one.
Result<AuditCheckpoint> ParseCheckpointLine(std::string_view line);

}  // namespace samp11
