// What touches the whole SQLite store: the key-state version, the one-time status MAC
// migration, master-key rotation (sqlite_rekey.cc) and the image a backup seals.
#include <openssl/crypto.h>

#include <string>
#include <vector>

#include "state/sqlite/sqlite_stores.h"

namespace samp11 {

Result<StateVersion> SqliteMaintenanceStore::KeyStateVersion() {
  auto lock = c_.Lock();
  // data_version moves when another connection (of this process or another) commits.
  SAMP11_ASSIGN_OR_RETURN(auto stmt, c_.Prepare("PRAGMA data_version"));
  SAMP11_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  if (!has_row) return Status(Code::kStorage, "PRAGMA data_version gave no row");
  StateVersion version;
  version.others = stmt.ColumnInt64(0);
  version.own = c_.OwnChanges();
  return version;
}

Status SqliteMaintenanceStore::Rekey(const RekeyPlan& plan) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(c_.db()));
  SAMP11_RETURN_IF_ERROR(SqliteRekey(c_.db(), plan));
  return tx->Commit();
}

Result<int64_t> SqliteMaintenanceStore::FillMissingLifecycleMacs(const LifecycleMacs& macs) {
  auto lock = c_.Lock();
  sqlite3* db = c_.db();
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(db));
  int64_t filled = 0;
  {
    SAMP11_ASSIGN_OR_RETURN(
        auto read,
        SqliteStatement::Prepare(db,
                                 "SELECT name, created, status, status_changed FROM "
                                 "signers WHERE status_mac IS NULL OR length(status_mac) = 0"));
    SAMP11_ASSIGN_OR_RETURN(
        auto write,
        SqliteStatement::Prepare(db, "UPDATE signers SET status_mac = ? WHERE name = ?"));
    for (;;) {
      SAMP11_ASSIGN_OR_RETURN(bool has_row, read.Step());
      if (!has_row) break;
      SignerRow row;
      row.name = read.ColumnText(0);
      row.created = read.ColumnInt64(1);
      row.status = read.ColumnText(2);
      row.status_changed = read.ColumnInt64(3);
      SAMP11_ASSIGN_OR_RETURN(Bytes mac, macs.signer(row));
      SAMP11_RETURN_IF_ERROR(write.Reset());
      SAMP11_RETURN_IF_ERROR(write.BindBlob(1, mac));
      SAMP11_RETURN_IF_ERROR(write.BindText(2, row.name));
      SAMP11_RETURN_IF_ERROR(write.Run());
      ++filled;
    }
  }
  {
    SAMP11_ASSIGN_OR_RETURN(
        auto read,
        SqliteStatement::Prepare(db,
                                 "SELECT handle, id, status, status_changed, certified "
                                 "FROM keys WHERE status_mac IS NULL OR length(status_mac) = 0"));
    SAMP11_ASSIGN_OR_RETURN(auto write, SqliteStatement::Prepare(
                                            db, "UPDATE keys SET status_mac = ? WHERE handle = ?"));
    for (;;) {
      SAMP11_ASSIGN_OR_RETURN(bool has_row, read.Step());
      if (!has_row) break;
      KeyRow row;
      row.handle = read.ColumnInt64(0);
      row.id = read.ColumnBlob(1);
      row.status = read.ColumnText(2);
      row.status_changed = read.ColumnInt64(3);
      row.certified = read.ColumnInt64(4) != 0;
      SAMP11_ASSIGN_OR_RETURN(Bytes mac, macs.key(row));
      SAMP11_RETURN_IF_ERROR(write.Reset());
      SAMP11_RETURN_IF_ERROR(write.BindBlob(1, mac));
      SAMP11_RETURN_IF_ERROR(write.BindInt64(2, row.handle));
      SAMP11_RETURN_IF_ERROR(write.Run());
      ++filled;
    }
  }
  {
    SAMP11_ASSIGN_OR_RETURN(
        auto read,
        SqliteStatement::Prepare(db,
                                 "SELECT handle, key_id, der, not_before, not_after, "
                                 "created FROM certs WHERE mac IS NULL OR length(mac) = 0"));
    SAMP11_ASSIGN_OR_RETURN(
        auto write, SqliteStatement::Prepare(db, "UPDATE certs SET mac = ? WHERE handle = ?"));
    for (;;) {
      SAMP11_ASSIGN_OR_RETURN(bool has_row, read.Step());
      if (!has_row) break;
      CertRow row;
      row.handle = read.ColumnInt64(0);
      row.key_id = read.ColumnBlob(1);
      row.der = read.ColumnBlob(2);
      row.not_before = read.ColumnInt64(3);
      row.not_after = read.ColumnInt64(4);
      row.created = read.ColumnInt64(5);
      SAMP11_ASSIGN_OR_RETURN(Bytes mac, macs.cert(row));
      SAMP11_RETURN_IF_ERROR(write.Reset());
      SAMP11_RETURN_IF_ERROR(write.BindBlob(1, mac));
      SAMP11_RETURN_IF_ERROR(write.BindInt64(2, row.handle));
      SAMP11_RETURN_IF_ERROR(write.Run());
      ++filled;
    }
  }
  SAMP11_RETURN_IF_ERROR(tx->Commit());
  return filled;
}

Result<StateImage> SqliteMaintenanceStore::Snapshot() {
  // A connection of its own: the image is read in one read transaction while the store's
  // connection goes on serving signers.
  SAMP11_ASSIGN_OR_RETURN(SqliteDbPtr source, SqliteOpenConnection(path_, SQLITE_OPEN_READONLY));
  SAMP11_ASSIGN_OR_RETURN(
      SqliteDbPtr memory,
      SqliteOpenConnection(":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));
  sqlite3_backup* backup = sqlite3_backup_init(memory.get(), "main", source.get(), "main");
  if (backup == nullptr) return SqliteError(memory.get(), "starting the backup");
  // One step over all pages: one read transaction, so the image is one instant of the file.
  int rc = SQLITE_BUSY;
  for (int tries = 0; tries < 100 && (rc == SQLITE_BUSY || rc == SQLITE_LOCKED); ++tries) {
    rc = sqlite3_backup_step(backup, -1);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(50);
  }
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) return SqliteError(memory.get(), "copying the keystore");
  StateImage snapshot;
  SAMP11_ASSIGN_OR_RETURN(
      std::vector<std::string> facts,
      SqliteStrings(memory.get(),
                    "SELECT value FROM meta WHERE name = 'schema_version' UNION ALL "
                    "SELECT coalesce((SELECT seq FROM audit_head), 0)"));
  if (facts.size() != 2) return Status(Code::kStorage, "the keystore has no schema version");
  snapshot.schema_version = std::stoll(facts[0]);
  snapshot.audit_last_seq = std::stoll(facts[1]);
  sqlite3_int64 size = 0;
  unsigned char* data = sqlite3_serialize(memory.get(), "main", &size, 0);
  if (data == nullptr || size <= 0) return Status(Code::kStorage, "serializing the keystore");
  snapshot.bytes = SecureBytes(data, static_cast<size_t>(size));
  OPENSSL_cleanse(data, static_cast<size_t>(size));
  sqlite3_free(data);
  return snapshot;
}

}  // namespace samp11
