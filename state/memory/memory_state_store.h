// A store on one in-memory state: the eleven interfaces sharing one MemoryConnection.
#pragma once

#include <memory>

#include "state/memory/memory_connection.h"
#include "state/state_store.h"

namespace samp11 {

std::unique_ptr<StateStore> NewMemoryStateStore(std::shared_ptr<MemoryState> state);

}  // namespace samp11
