// The schema of a token's PostgreSQL database: versioned, and made or migrated when a node opens
// it. Nodes that open it at once take turns (a transaction-scoped advisory lock), so each
// migration runs once; a database made by a newer samp11 is refused rather than written to.
//
// Version 1 holds the replay ledger; each further part of the state (keys, signers, the audit
// chains of the nodes, ...) comes with the migration that brings its tables.
#pragma once

#include <cstdint>

#include "common/status.h"
#include "state/postgres/pg_connection.h"

namespace samp11 {

inline constexpr int64_t kPgSchemaVersion = 1;

// Makes or migrates the schema to kPgSchemaVersion. kConfig for a newer one. Lock not held.
Status PgMigrate(PgConnection& connection);
// The version the database is at (0: none). Lock not held.
Result<int64_t> PgSchemaVersion(PgConnection& connection);

}  // namespace samp11
