// The in-memory implementation of the state interfaces (state/state_store.h): every row of a
// token's state kept in this process's memory. For tests, and the proof that the interfaces are
// whole: the shared suites (tests/unit/state_*.cc) run against it and the SQLite implementation
// alike, and the keystore's own tests run on it too (SAMP11_TEST_STATE=memory).
//
// A MemoryStateSpace is what a folder is to token files: states by name. Locations of one name in
// one space share one state, as SQLite connections share one file: what one store writes, the
// others read at once, and their KeyStateVersion moves. Every method of every store locks its
// state for its whole run (one mutex per state), so each is atomic and safe from any thread.
//
// Not shared between processes, and not durable: a state is seen only by the process that made
// it (a forked child gets a copy of its own) and lives as long as its space, or a store open on
// it. "Durable" and "synced" in the interfaces' comments mean "written" here.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "state/state_location.h"

namespace samp11 {

class MemoryStateSpace {
 public:
  virtual ~MemoryStateSpace() = default;

  // The state of that name (nothing is made until Create, Stage or a restore). A restore's aside
  // contents (StateLocation::ReplaceLive, PromoteStaged) become a state of this space under the
  // name returned in *aside: Location(aside)->Open() opens them.
  virtual std::unique_ptr<StateLocation> Location(const std::string& name) = 0;
  // The names of the states there are, in order.
  virtual std::vector<std::string> Names() = 0;
  // Forgets the states, and the stages, whose names begin with prefix (as removing a folder
  // would); stores still open on one keep it until they go.
  virtual void Forget(const std::string& prefix) = 0;
};

std::shared_ptr<MemoryStateSpace> NewMemoryStateSpace();

}  // namespace samp11
