// The SQLite side of a restore (SqliteStateLocation::ReplaceLive): the in-place replacement of a
// live keystore file's contents by a restored file's, in one write transaction.
#pragma once

#include <string>

#include "common/status.h"
#include "state/state_location.h"

namespace samp11 {

// In one write transaction on the live file (writers in every process wait, none is lost):
// copies its current contents into a new keystore file at aside_path; carries over into the
// restored file every spent hash of the live one and every key and signer status changed since
// the backup (a restore must never re-enable a spent hash, a disabled key or a destroyed one);
// then replaces every table of the live file with the restored file's rows, deposits and
// activation requests dropped. Processes that have the live file open see the restored contents
// at their next statement.
Result<ReplaceCounts> ReplaceDatabaseContents(const std::string& live_path,
                                              const std::string& restored_path,
                                              const std::string& aside_path,
                                              const TombstoneMacs& macs);

}  // namespace samp11
