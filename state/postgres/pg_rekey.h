// Master-key rotation on the PostgreSQL state (MaintenanceStore::Rekey), in pg_rekey.cc.
#pragma once

#include "common/status.h"
#include "state/maintenance_store.h"
#include "state/postgres/pg_stores.h"

namespace samp11 {

// Rewrites every MAC of the state (every node's audit rows and heads included: the audit key is
// the token's) and appends node's rotation record, in the caller's transaction. Lock held.
Status PgRekey(PgConnection& c, const PgNodeContext& node, const RekeyPlan& plan);

}  // namespace samp11
