// The embedded state: one SQLite file per token (WAL journal, synchronous=FULL, a busy timeout),
// shared safely by every thread and process that opens it.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "state/state_location.h"

namespace samp11 {

// The token file at path. Nothing is opened until Create or Open.
std::unique_ptr<StateLocation> SqliteStateLocation(const std::string& path);

// Opens (create=false; kNotFound if there is no file) or creates (create=true; kAlreadyExists if
// the file exists; made 0600) a token file.
Result<std::unique_ptr<StateStore>> OpenSqliteStateStore(const std::string& path, bool create);

}  // namespace samp11
