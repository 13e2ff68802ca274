#include "keystore/sqlite_lifecycle.h"

#include <string>
#include <vector>

#include "keystore/sqlite_util.h"

namespace samp11 {
namespace {

// Writes status columns WHERE key = value, in its own transaction; kNotFound if no row changed.
Status UpdateOne(sqlite3* db, SqliteStatement& stmt, const std::string& missing) {
  SAMP11_RETURN_IF_ERROR(stmt.Run());
  if (sqlite3_changes(db) != 1) return Status(Code::kNotFound, missing);
  return Status::Ok();
}

}  // namespace

Status SqliteUpdateKeyStatus(sqlite3* db, const KeyRow& row, bool destroy) {
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(db));
  const std::string sql = std::string("UPDATE keys SET status = ?, status_changed = ?, ") +
                          "certified = ?, status_mac = ?" +
                          (destroy ? ", wrapped_private = X''" : "") +
                          " WHERE id = ? AND status != 'destroyed'";
  SAMP11_ASSIGN_OR_RETURN(auto stmt, SqliteStatement::Prepare(db, sql));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(1, row.status));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(2, row.status_changed));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(3, row.certified ? 1 : 0));
  SAMP11_RETURN_IF_ERROR(stmt.BindBlob(4, row.status_mac));
  SAMP11_RETURN_IF_ERROR(stmt.BindBlob(5, row.id));
  SAMP11_RETURN_IF_ERROR(UpdateOne(db, stmt, "no key " + HexEncode(row.id)));
  if (destroy) {
    // Deposits name the key; they can never be used again.
    SAMP11_ASSIGN_OR_RETURN(
        auto deposits, SqliteStatement::Prepare(db, "DELETE FROM deposited_sads WHERE key_id = ?"));
    SAMP11_RETURN_IF_ERROR(deposits.BindBlob(1, row.id));
    SAMP11_RETURN_IF_ERROR(deposits.Run());
  }
  return tx->Commit();
}

Status SqliteUpdateSignerStatus(sqlite3* db, const SignerRow& row) {
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(db));
  SAMP11_ASSIGN_OR_RETURN(
      auto stmt, SqliteStatement::Prepare(db,
                                          "UPDATE signers SET status = ?, status_changed = ?, "
                                          "status_mac = ? WHERE name = ?"));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(1, row.status));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(2, row.status_changed));
  SAMP11_RETURN_IF_ERROR(stmt.BindBlob(3, row.status_mac));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(4, row.name));
  SAMP11_RETURN_IF_ERROR(UpdateOne(db, stmt, "no signer '" + row.name + "'"));
  return tx->Commit();
}

Status SqliteRemoveSigner(sqlite3* db, const SignerRow& row) {
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(db));
  {  // checked inside the transaction: no key can be added or enabled meanwhile
    SAMP11_ASSIGN_OR_RETURN(
        auto live, SqliteStatement::Prepare(
                       db, "SELECT count(*) FROM keys WHERE owner = ? AND status != 'destroyed'"));
    SAMP11_RETURN_IF_ERROR(live.BindText(1, row.name));
    SAMP11_ASSIGN_OR_RETURN(bool has_row, live.Step());
    if (!has_row) return SqliteError(db, "counting a signer's keys");
    if (int64_t count = live.ColumnInt64(0); count > 0) {
      return Status(Code::kArgumentsBad, "signer '" + row.name + "' still has " +
                                             std::to_string(count) +
                                             " key(s): destroy them first (or --destroy-keys)");
    }
  }
  for (const char* sql : {"DELETE FROM activation_keys WHERE owner = ? AND role = 'device'",
                          "DELETE FROM signer_pins WHERE name = ?"}) {
    SAMP11_ASSIGN_OR_RETURN(auto stmt, SqliteStatement::Prepare(db, sql));
    SAMP11_RETURN_IF_ERROR(stmt.BindText(1, row.name));
    SAMP11_RETURN_IF_ERROR(stmt.Run());
  }
  SAMP11_ASSIGN_OR_RETURN(
      auto stmt, SqliteStatement::Prepare(db,
                                          "UPDATE signers SET status = ?, status_changed = ?, "
                                          "status_mac = ? WHERE name = ?"));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(1, row.status));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(2, row.status_changed));
  SAMP11_RETURN_IF_ERROR(stmt.BindBlob(3, row.status_mac));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(4, row.name));
  SAMP11_RETURN_IF_ERROR(UpdateOne(db, stmt, "no signer '" + row.name + "'"));
  return tx->Commit();
}

Result<int64_t> SqliteFillMissingLifecycleMacs(sqlite3* db, const StateStore::LifecycleMacs& macs) {
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(db));
  int64_t filled = 0;
  {
    SAMP11_ASSIGN_OR_RETURN(
        auto read, SqliteStatement::Prepare(db,
                                            "SELECT name, created, status, status_changed FROM "
                                            "signers WHERE status_mac IS NULL"));
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
        auto read, SqliteStatement::Prepare(db,
                                            "SELECT handle, id, status, status_changed, certified "
                                            "FROM keys WHERE status_mac IS NULL"));
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
        auto read, SqliteStatement::Prepare(db,
                                            "SELECT handle, key_id, der, not_before, not_after, "
                                            "created FROM certs WHERE mac IS NULL"));
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

Status SqliteEraseFreedPages(sqlite3* db) {
  // TRUNCATE waits (busy handler) for readers to move past the WAL, copies every page into the
  // file, where secure_delete already zeroed what was deleted, and truncates the WAL to nothing.
  SAMP11_ASSIGN_OR_RETURN(auto stmt,
                          SqliteStatement::Prepare(db, "PRAGMA wal_checkpoint(TRUNCATE)"));
  SAMP11_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  if (!has_row) return SqliteError(db, "checkpointing the WAL");
  if (stmt.ColumnInt64(0) != 0) {
    return Status(Code::kStorage,
                  "the WAL could not be checkpointed now (another process is reading): old pages "
                  "stay in it until the next checkpoint");
  }
  return Status::Ok();
}

}  // namespace samp11
