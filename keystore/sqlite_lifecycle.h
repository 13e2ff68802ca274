// The SQL of key and signer lifecycles (state_store.h, "Lifecycle"), kept out of
// sqlite_state_store.cc. The caller holds the store's mutex.
#pragma once

#include <sqlite3.h>

#include "keystore/state_store.h"

namespace samp11 {

// destroy: also empties wrapped_private.
Status SqliteUpdateKeyStatus(sqlite3* db, const KeyRow& row, bool destroy);
Status SqliteUpdateSignerStatus(sqlite3* db, const SignerRow& row);
Status SqliteRemoveSigner(sqlite3* db, const SignerRow& row);
Result<int64_t> SqliteFillMissingLifecycleMacs(sqlite3* db, const StateStore::LifecycleMacs& macs);
// Checkpoints the WAL into the file and truncates it, so that no copy of a page from before a
// secure delete is left in the WAL. kStorage if readers in other processes held it up.
Status SqliteEraseFreedPages(sqlite3* db);

}  // namespace samp11
