// A memory state made from StateContents (state/state_contents.h): what MemoryLocation's
// StageContents stages (memory_contents.cc, with MemoryMaintenanceStore::Contents).
#pragma once

#include "common/status.h"
#include "state/memory/memory_tables.h"
#include "state/state_contents.h"

namespace samp11 {

// The rows, indexed, with the uniqueness and parents the SQLite schema keeps. kArgumentsBad for a
// chain other than the token's one (""); kAlreadyExists, kNotFound for rows no state could hold.
Result<MemoryTables> MemoryTablesFrom(const StateContents& contents);

}  // namespace samp11
