// The SQLite schema of a token file, version 1, and its creation and version check.
#pragma once

#include <sqlite3.h>

#include "common/status.h"

namespace samp11 {

constexpr char kSchemaVersion[] = "1";

// Creates every table and index and records the schema version, in one transaction.
Status CreateSchema(sqlite3* db);
// kConfig unless the file is a samp11 keystore of kSchemaVersion.
Status CheckSchemaVersion(sqlite3* db);

}  // namespace samp11
