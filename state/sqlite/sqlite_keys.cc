// Signing keys: the keys table, the key lifecycle's writes, and the erasure of a destroyed key.
#include <string>

#include "state/sqlite/sqlite_rows.h"
#include "state/sqlite/sqlite_stores.h"

namespace samp11 {

Status SqliteKeyStore::InsertLocked(KeyRow& row) {
  SAMP11_ASSIGN_OR_RETURN(
      auto stmt, c_.Prepare("INSERT INTO keys(id, label, key_type, owner, scal, policy_json, "
                            "public_spki, wrapped_private, created, backend, origin, status, "
                            "status_changed, certified, status_mac) "
                            "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  SAMP11_RETURN_IF_ERROR(stmt.BindBlob(1, row.id));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(2, row.label));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(3, row.key_type));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(4, row.owner));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(5, row.scal));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(6, row.policy_json));
  SAMP11_RETURN_IF_ERROR(stmt.BindBlob(7, row.public_spki));
  SAMP11_RETURN_IF_ERROR(stmt.BindBlob(8, row.wrapped_private));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(9, row.created));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(10, row.backend));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(11, row.origin));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(12, row.status));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(13, row.status_changed));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(14, row.certified ? 1 : 0));
  SAMP11_RETURN_IF_ERROR(stmt.BindBlob(15, row.status_mac));
  SAMP11_RETURN_IF_ERROR(c_.RunInsert(stmt, "a key with that id already exists",
                                      "key owner '" + row.owner + "' is not an enrolled signer"));
  row.handle = sqlite3_last_insert_rowid(c_.db());
  return Status::Ok();
}

Status SqliteKeyStore::InsertKey(KeyRow& row) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(c_.db()));
  KeyRow inserted = row;
  SAMP11_RETURN_IF_ERROR(InsertLocked(inserted));
  SAMP11_RETURN_IF_ERROR(tx->Commit());
  row.handle = inserted.handle;
  return Status::Ok();
}

Status SqliteKeyStore::InsertKeys(std::vector<KeyRow>& rows) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(c_.db()));
  std::vector<int64_t> handles;
  handles.reserve(rows.size());
  for (const KeyRow& row : rows) {
    KeyRow inserted = row;
    SAMP11_RETURN_IF_ERROR(InsertLocked(inserted));
    handles.push_back(inserted.handle);
  }
  SAMP11_RETURN_IF_ERROR(tx->Commit());
  for (size_t i = 0; i < rows.size(); ++i) rows[i].handle = handles[i];
  return Status::Ok();
}

Result<std::optional<KeyRow>> SqliteKeyStore::FindKeyByHandle(int64_t handle) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(
      auto stmt, c_.Prepare(std::string("SELECT ") + kKeyColumns + " FROM keys WHERE handle = ?"));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(1, handle));
  return ReadOne(stmt, ReadKeyRow);
}

Result<std::optional<KeyRow>> SqliteKeyStore::FindKeyById(const Bytes& id) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(
      auto stmt, c_.Prepare(std::string("SELECT ") + kKeyColumns + " FROM keys WHERE id = ?"));
  SAMP11_RETURN_IF_ERROR(stmt.BindBlob(1, id));
  return ReadOne(stmt, ReadKeyRow);
}

Result<std::vector<KeyRow>> SqliteKeyStore::FindKeysByLabel(std::string_view label, int64_t after,
                                                            size_t limit) {
  return KeysWhere("label", label, after, limit);
}

Result<std::vector<KeyRow>> SqliteKeyStore::ListKeysByOwner(std::string_view owner, int64_t after,
                                                            size_t limit) {
  return KeysWhere("owner", owner, after, limit);
}

Result<std::vector<KeyRow>> SqliteKeyStore::ListKeys(int64_t after, size_t limit) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto stmt, c_.Prepare(std::string("SELECT ") + kKeyColumns +
                                                " FROM keys WHERE handle > ? AND status != "
                                                "'destroyed' ORDER BY handle LIMIT ?"));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(1, after));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(2, LimitParam(limit)));
  return ReadAll(stmt, ReadKeyRow);
}

Result<std::vector<KeyRow>> SqliteKeyStore::KeysWhere(const char* column, std::string_view value,
                                                      int64_t after, size_t limit) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(
      auto stmt,
      c_.Prepare(std::string("SELECT ") + kKeyColumns + " FROM keys WHERE " + column +
                 " = ? AND handle > ? AND status != 'destroyed' ORDER BY handle LIMIT ?"));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(1, value));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(2, after));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(3, LimitParam(limit)));
  return ReadAll(stmt, ReadKeyRow);
}

Status SqliteKeyStore::UpdateStatus(const KeyRow& row, bool destroy) {
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(c_.db()));
  const std::string sql = std::string("UPDATE keys SET status = ?, status_changed = ?, ") +
                          "certified = ?, status_mac = ?" +
                          (destroy ? ", wrapped_private = X''" : "") +
                          " WHERE id = ? AND status != 'destroyed'";
  SAMP11_ASSIGN_OR_RETURN(auto stmt, c_.Prepare(sql));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(1, row.status));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(2, row.status_changed));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(3, row.certified ? 1 : 0));
  SAMP11_RETURN_IF_ERROR(stmt.BindBlob(4, row.status_mac));
  SAMP11_RETURN_IF_ERROR(stmt.BindBlob(5, row.id));
  SAMP11_RETURN_IF_ERROR(stmt.Run());
  if (sqlite3_changes(c_.db()) != 1) return Status(Code::kNotFound, "no key " + HexEncode(row.id));
  if (destroy) {
    // Deposits name the key; they can never be used again.
    SAMP11_ASSIGN_OR_RETURN(auto deposits,
                            c_.Prepare("DELETE FROM deposited_sads WHERE key_id = ?"));
    SAMP11_RETURN_IF_ERROR(deposits.BindBlob(1, row.id));
    SAMP11_RETURN_IF_ERROR(deposits.Run());
  }
  return tx->Commit();
}

Status SqliteKeyStore::UpdateKeyStatus(const KeyRow& row) {
  auto lock = c_.Lock();
  return UpdateStatus(row, /*destroy=*/false);
}

Status SqliteKeyStore::DestroyKey(const KeyRow& row) {
  auto lock = c_.Lock();
  // The connection runs with secure_delete: the emptied blob is overwritten with zeros in the
  // file; the checkpoint then leaves no copy of the old page in the WAL.
  SAMP11_RETURN_IF_ERROR(UpdateStatus(row, /*destroy=*/true));
  return SqliteEraseFreedPages(c_.db());
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
