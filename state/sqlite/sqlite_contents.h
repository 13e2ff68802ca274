// A token file's rows as StateContents (state/state_contents.h), read and written: what a
// migration copies out of a file (SqliteMaintenanceStore::Contents) and into a new one
// (SqliteStateLocation's StageContents).
#pragma once

#include <sqlite3.h>

#include "common/status.h"
#include "state/state_contents.h"

namespace samp11 {

// Every row but schema_version (the file's own) and the activation requests; the caller holds a
// read transaction, so that every table is read at one instant.
Result<StateContents> SqliteReadContents(sqlite3* db);
// Inserts contents into a file whose schema was just made (nothing else in it), handles kept and
// the AUTOINCREMENT counters set past them; the caller holds a write transaction. kArgumentsBad
// for a chain other than the token's one ("").
Status SqliteLoadContents(sqlite3* db, const StateContents& contents);

}  // namespace samp11
