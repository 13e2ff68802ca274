// The memory side of a restore (StateLocation::ReplaceLive): the live state's rows replaced, in
// place, by a staged state's, with what must never go backwards carried over, exactly as
// state/sqlite/sqlite_restore.cc does it in SQL.
#pragma once

#include "common/status.h"
#include "state/memory/memory_connection.h"
#include "state/state_location.h"

namespace samp11 {

// Locks both states; copies the live rows into *aside; carries into a copy of the staged rows
// every spent hash of the live state and every key and signer status changed since the backup
// (the newer wins, a tie goes to the live state; a destroyed key's wrapped key is erased; each
// carried status gets its MAC from macs; removed signers' device keys and PINs go); drops
// deposits and activation requests; then makes that copy the live rows, which every store on
// the live state reads from its next call (its KeyStateVersion moves). Nothing changes on an
// error. The staged state is left as it was.
Result<ReplaceCounts> ReplaceMemoryContents(MemoryState& live, MemoryState& staged,
                                            const TombstoneMacs& macs, MemoryTables* aside);

}  // namespace samp11
