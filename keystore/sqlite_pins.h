// The signer_pins table's SQL for the SQLite StateStore (sqlite_state_store.cc holds the
// connection and its mutex and calls these with the mutex held). No crypto here: see
// keystore_pins.cc.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "keystore/state_store.h"

namespace samp11 {

Status SqliteUpsertSignerPin(sqlite3* db, const SignerPinRow& row);
Result<std::optional<SignerPinRow>> SqliteFindSignerPin(sqlite3* db, std::string_view name);
Result<std::vector<SignerPinRow>> SqliteListSignerPins(sqlite3* db);
Result<bool> SqliteTakePinTry(sqlite3* db, std::string_view name, int64_t max_tries);
Status SqliteResetPinFailures(sqlite3* db, std::string_view name);

}  // namespace samp11
