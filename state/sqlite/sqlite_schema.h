// The SQLite schema of a token file, its creation, and its version check and migration.
#pragma once

#include <sqlite3.h>

#include "common/status.h"

namespace samp11 {

constexpr char kSchemaVersion[] = "6";

// Creates every table and index and records the schema version, in one transaction.
Status CreateSchema(sqlite3* db);
// kConfig unless the file is a samp11 keystore of kSchemaVersion or of an older version it
// migrates (1: adds the keys' backend and origin columns; 2: adds the lifecycle columns, whose
// MACs the keystore fills at its next open, and vacuums the file once so that nothing written
// before secure_delete was on lingers in free pages; 3: adds the sad_requests table; 4: adds the
// activation keys' status columns; 5: adds the signer_subjects and signer_otp tables). Returns the
// version it migrated the file from, or 0 if it migrated nothing.
Result<int64_t> CheckSchemaVersion(sqlite3* db);

}  // namespace samp11
