// The audit log's chain and MACs, in one place so that appending and verifying cannot drift apart.
//
//   chain_0 = SHA-256("samp11 audit genesis" || token identity)
//   chain_i = SHA-256(chain_{i-1} || canonical("audit-record-v1", seq, at, pid, event, outcome,
//                                               signer, key_id, kid, jti, detail))
//   mac_i   = HMAC(audit key, canonical("audit-mac-v1", seq, chain_i))
//   head    = (seq, chain, HMAC(audit key, canonical("audit-head-v1", seq, chain)))
//
// The chain alone is public arithmetic; the MACs make it unforgeable without the master key.
// mac_i binds seq as well as chain_i, so a valid MAC proves that chain value belongs at that
// position: a verifier can then resynchronise after any damaged record instead of reporting
// every record after it, and tell an edited record from one moved from elsewhere. The head's
// own label keeps a record's MAC from ever passing as a head's.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"
#include "state/rows.h"

namespace samp11 {

Bytes AuditGenesis(std::string_view identity);
// Where the chain of a state with several (a signing node's: AuditStore::ChainName) starts: bound
// to the token and the chain's name, so that one node's chain never passes for another's. The
// token's single chain (an empty name) starts at AuditGenesis(identity).
Bytes AuditChainGenesis(std::string_view identity, std::string_view chain);
// The canonical encoding (aad.h) of every field of the row but chain and mac.
Bytes AuditRecordInput(const AuditRow& row);
Bytes AuditChainNext(const Bytes& previous, const AuditRow& row);
Result<Bytes> AuditRecordMac(const SecureBytes& key, int64_t seq, const Bytes& chain);
Result<Bytes> AuditHeadMac(const SecureBytes& key, int64_t seq, const Bytes& chain);

}  // namespace samp11
