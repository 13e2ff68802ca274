// The audit chain's appends inside a transaction, for the stores that append (pg_audit.cc).
//
// One node's appends are serialised by a transaction-scoped advisory lock on the node's name:
// the head row cannot be locked before the first append (there is none), and two processes may
// share a node name. Nodes with different names never wait for one another. A transaction that
// also spends hashes takes the lock before its first spend: taken after one, two writers of the
// node could each hold what the other waits for (a spend waits for the other's uncommitted spend).
#pragma once

#include <functional>

#include "state/postgres/pg_stores.h"

namespace samp11 {

// Takes the node's append lock until the transaction ends (again in the same transaction: a no-op).
Status PgLockAuditAppends(PgConnection& c, const PgNodeContext& node);
// The same as a statement for PgTransaction::Begin's prologue: the lock taken in BEGIN's round
// trip.
Result<std::string> PgLockAuditAppendsScript(PgConnection& c, const PgNodeContext& node);

// PgAppendAuditInTransaction with the append lock already held by this transaction.
Status PgAppendAuditLocked(
    PgConnection& c, const PgNodeContext& node,
    const std::function<Result<AuditAppend>(const AuditTail& tail)>& make_append);

}  // namespace samp11
