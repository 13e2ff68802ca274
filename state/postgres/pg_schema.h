// The schema of a token's PostgreSQL database: versioned, and made or migrated when a node opens
// it. Nodes that open it at once take turns (a transaction-scoped advisory lock), so each
// migration runs once; a database made by a newer samp11 is refused rather than written to.
//
// Version 1 is the whole state; the audit log keeps one chain per node (audit_log.node). Version 2
// moves the key-state version with the owner's rights (pg_schema.cc); its tables are version 1's.
// Version 3 adds signer_subjects and signer_otp (signers' one-time-password enrolments); an image
// of an older version has neither table, and loads as having none (pg_image.cc).
#pragma once

#include <cstdint>

#include "common/status.h"
#include "state/postgres/pg_connection.h"

namespace samp11 {

inline constexpr int64_t kPgSchemaVersion = 3;
// The oldest version whose tables are this version's, but for tables added since (an image
// without them restores them empty, pg_image.h): a backup image of it restores as it is.
inline constexpr int64_t kPgOldestSameTables = 1;

// Makes or migrates the schema to kPgSchemaVersion. kConfig for a newer one. Lock not held.
Status PgMigrate(PgConnection& connection);
// The version the database is at (0: none). Lock not held.
Result<int64_t> PgSchemaVersion(PgConnection& connection);

}  // namespace samp11
