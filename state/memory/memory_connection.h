// One in-memory state (its rows and its mutex), and one store's share of it: what SQLite's file
// and a connection to it are to state/sqlite/. Every store method locks the state for its whole
// run, so each method is one atomic step; the key-state version (MaintenanceStore) counts writes
// the way SQLite's data_version and total_changes do.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>

#include "state/maintenance_store.h"
#include "state/memory/memory_tables.h"

namespace samp11 {

struct MemoryState {
  std::mutex mu;
  MemoryTables tables;  // mu held
  // Writes that changed rows, by any store or by a restore (mu held): others' share of it is
  // what StateVersion::others counts.
  int64_t writes = 0;
};

class MemoryConnection {
 public:
  explicit MemoryConnection(std::shared_ptr<MemoryState> state) : state_(std::move(state)) {}
  MemoryConnection(const MemoryConnection&) = delete;
  MemoryConnection& operator=(const MemoryConnection&) = delete;

  // Held for a method's whole run.
  std::unique_lock<std::mutex> Lock() { return std::unique_lock<std::mutex>(state_->mu); }
  // Lock held.
  MemoryTables& tables() { return state_->tables; }

  // After a write that changed rows, lock held. signing_path: the journal's and the audit log's
  // writes, which leave StateVersion::own alone.
  void Wrote(bool signing_path) {
    ++state_->writes;
    ++own_writes_;
    if (!signing_path) ++own_changes_;
  }
  // Lock held.
  StateVersion Version() const {
    StateVersion version;
    version.others = state_->writes - own_writes_;
    version.own = own_changes_;
    return version;
  }

 private:
  std::shared_ptr<MemoryState> state_;
  int64_t own_writes_ = 0;   // state_->mu held
  int64_t own_changes_ = 0;  // likewise; the signing path's writes aside
};

}  // namespace samp11
