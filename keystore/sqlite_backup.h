// SQLite side of backup and restore (keystore_backup.cc): a consistent image of a live keystore,
// and the in-place replacement of a live keystore's contents by a restored one.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/bytes.h"
#include "common/status.h"
#include "keystore/state_store.h"

namespace samp11 {

// The whole database at one instant, through SQLite's online backup API into memory: a read
// transaction on the live file, so signers in other processes and threads go on meanwhile.
struct Snapshot {
  SecureBytes image;  // the database file's bytes
  int64_t schema_version = 0;
  int64_t audit_last_seq = 0;
};
Result<Snapshot> SnapshotDatabase(const std::string& path);

// Writes bytes to a new file (mode 0600; kAlreadyExists if it exists), synced with its folder.
Status WriteNewFile(const std::string& path, const uint8_t* data, size_t size);

struct ReplaceCounts {
  int64_t spent_hashes_merged = 0;  // spent in the live file, absent from the restored one
  int64_t key_statuses = 0;     // changed in the live file since the backup (destroyed included)
  int64_t signer_statuses = 0;  // likewise (removed included)
};

// The status MACs of statuses carried into the restored file, made under its master key.
struct TombstoneMacs {
  std::function<Result<Bytes>(const KeyRow&)> key;        // id, status, status_changed, certified
  std::function<Result<Bytes>(const SignerRow&)> signer;  // name, created, status, status_changed
};

// In one write transaction on the live keystore (writers in every process wait, none is lost):
// copies its current contents into a new keystore file at aside_path; carries over into the
// restored file every spent hash of the live one and every key and signer status changed since
// the backup (a restore must never re-enable a spent hash, a disabled key or a destroyed one);
// then replaces every table
// of the live file with the restored file's rows, deposits dropped. Processes that have the
// live file open see the restored contents at their next statement.
Result<ReplaceCounts> ReplaceDatabaseContents(const std::string& live_path,
                                              const std::string& restored_path,
                                              const std::string& aside_path,
                                              const TombstoneMacs& macs);

}  // namespace samp11
