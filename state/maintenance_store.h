// What touches the whole state at once: the version that tells whether keys, signers or
// certificates may have changed, the one-time migration of status MACs, master-key rotation,
// and the image a backup seals.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "state/rows.h"
#include "state/state_contents.h"

namespace samp11 {

// What KeyStateVersion answers: equal versions mean no row of keys, signers or certificates can
// have changed between them. SQLite and memory split it as below; PostgreSQL keeps one count in
// others for every writer's writes to those rows (a trigger) and leaves own at 0: there a store
// reads afresh after its own writes too.
struct StateVersion {
  int64_t others = 0;  // moves when any other user of the state (connection, process) writes
  int64_t own = 0;     // this store's own changes, the signing path's rows aside
  bool operator==(const StateVersion& o) const { return others == o.others && own == o.own; }
  bool operator!=(const StateVersion& o) const { return !(*this == o); }
};

// Each callback computes a row's MAC; nothing is written if one fails.
struct LifecycleMacs {
  std::function<Result<Bytes>(const KeyRow&)> key;
  std::function<Result<Bytes>(const SignerRow&)> signer;
  std::function<Result<Bytes>(const CertRow&)> cert;
};

// Master-key rotation (keystore/rotate_master_key.cc): every authenticated value of the token
// rewritten in one atomic write, so that an interruption leaves the old state or the new one.
// Each callback checks a row under the old keys and rewrites its MACs (and a key row's wrapping)
// under the new ones; an error from any of them undoes everything.
struct RekeyPlan {
  std::function<Status(SignerRow&)> signer;                 // mac, status_mac
  std::function<Status(ActivationKeyRow&)> activation_key;  // mac
  std::function<Status(KeyRow&)> key;                       // wrapped_private, status_mac
  std::function<Status(CertRow&)> cert;                     // mac
  std::function<Status(SignerPinRow&)> pin;                 // mac
  std::function<Status(SignerSubjectRow&)> subject;         // mac
  std::function<Status(SignerOtpRow&)> otp;                 // wrapped_secret
  std::function<Status(AuditRow&)> audit_row;               // mac
  std::function<Status(AuditHeadRow&)> audit_head;          // mac
  // Meta rows to set, or to delete when the value is empty.
  std::vector<std::pair<std::string, std::optional<std::string>>> meta;
  // The rotation's own audit record, made under the new keys from the rewritten tail.
  std::function<Result<AuditAppend>(const AuditTail& tail)> append;
};

// The whole state at one instant, as the implementation's own image: a backup seals it
// (keystore/backup_file.h) and StateLocation::Stage reads it back.
struct StateImage {
  SecureBytes bytes;
  int64_t schema_version = 0;
  int64_t audit_last_seq = 0;
};

class MaintenanceStore {
 public:
  virtual ~MaintenanceStore() = default;

  // Moves whenever the keys, signers or certificates may have changed: another user of the
  // state (this process or another) wrote anything, or this store changed any row but those the
  // signing path writes (JournalStore, AuditStore). Read it before reading the rows it vouches
  // for.
  virtual Result<StateVersion> KeyStateVersion() = 0;
  // Fills the status and certificate MACs of rows written before they existed (schema 3): the
  // signers' and keys' status_mac and the certificates' mac that are missing or empty (rows.h),
  // each made by its callback from the row as stored; rows that have one are left alone. One
  // atomic write: an error from a callback leaves every row as it was. Returns how many rows it
  // filled.
  virtual Result<int64_t> FillMissingLifecycleMacs(const LifecycleMacs& macs) = 0;
  // The schema version this store migrated the state from when it opened it; 0 when it did not
  // migrate it (it was current, another process migrated it, or the state has no versions). Only
  // a migration from before schema 3 leaves rows without the MACs FillMissingLifecycleMacs makes:
  // anywhere else a row without one was edited, and filling it would authenticate the edit.
  virtual int64_t MigratedFromSchema() const = 0;
  // Runs plan (above) in one atomic write; rows are visited a page at a time.
  virtual Status Rekey(const RekeyPlan& plan) = 0;
  // One consistent image of everything, taken without stopping other users of the state.
  virtual Result<StateImage> Snapshot() = 0;
  // Every row at one instant (state_contents.h), every audit chain of the state included, read
  // without stopping other users of the state. Held in memory whole, as a snapshot's image is.
  virtual Result<StateContents> Contents() = 0;
};

}  // namespace samp11
