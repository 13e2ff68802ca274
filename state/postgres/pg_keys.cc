// Signing keys: the keys table and the key lifecycle's writes.
#include <string>

#include "state/postgres/pg_rows.h"
#include "state/postgres/pg_stores.h"

namespace samp11 {
namespace {

// One row, lock held (inside the caller's transaction, if any); the handle is the identity
// column's, never given twice (a rolled-back insert's is skipped, not reused).
Result<int64_t> InsertRow(PgConnection& c, const KeyRow& row) {
  Result<PgRows> inserted = c.Exec(
      "adding a key",
      "INSERT INTO keys(id, label, key_type, owner, scal, policy_json, public_spki, "
      "wrapped_private, created, backend, origin, status, status_changed, certified, status_mac) "
      "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING handle",
      PgParams()
          .Blob(row.id)
          .Text(row.label)
          .Text(row.key_type)
          .Text(row.owner)
          .Int64(row.scal)
          .Text(row.policy_json)
          .Blob(row.public_spki)
          .Blob(row.wrapped_private)
          .Int64(row.created)
          .Text(row.backend)
          .Text(row.origin)
          .Text(row.status)
          .Int64(row.status_changed)
          .Int64(row.certified ? 1 : 0)
          .Blob(row.status_mac));
  if (!inserted.ok()) {
    return PgRefused(inserted.status(), "a key with that id already exists",
                     "key owner '" + row.owner + "' is not an enrolled signer");
  }
  return inserted->Int64(0, 0);
}

constexpr char kListed[] = " AND status != 'destroyed' ORDER BY handle LIMIT ";

// A page of one column's rows; the indexes keys_label and keys_owner are (column, handle).
Result<std::vector<KeyRow>> KeysWhere(PgConnection& c, const char* column, std::string_view value,
                                      int64_t after, size_t limit) {
  auto lock = c.Lock();
  SAMP11_ASSIGN_OR_RETURN(
      PgRows rows, c.Exec("listing keys",
                          std::string("SELECT ") + kPgKeyColumns + " FROM keys WHERE " + column +
                              " = $1 AND handle > $2" + kListed + "$3",
                          PgParams().Text(value).Int64(after).Int64(PgLimit(limit))));
  return PgReadAll(rows, PgReadKeyRow);
}

// Lock held. Every write to keys moves state_version (a statement trigger, which fires even when
// no row changed): kNotFound rolls back, so nothing moves then, as in SQLite.
Status UpdateStatus(PgConnection& c, const KeyRow& row, bool destroy) {
  SAMP11_ASSIGN_OR_RETURN(auto tx, PgTransaction::Begin(c));
  const std::string sql = std::string("UPDATE keys SET status = $1, status_changed = $2, ") +
                          "certified = $3, status_mac = $4" +
                          (destroy ? ", wrapped_private = ''::bytea" : "") +
                          " WHERE id = $5 AND status != 'destroyed'";
  SAMP11_ASSIGN_OR_RETURN(PgRows updated,
                          c.Exec(destroy ? "destroying a key" : "writing a key's status", sql,
                                 PgParams()
                                     .Text(row.status)
                                     .Int64(row.status_changed)
                                     .Int64(row.certified ? 1 : 0)
                                     .Blob(row.status_mac)
                                     .Blob(row.id)));
  if (updated.affected() != 1) return Status(Code::kNotFound, "no key " + HexEncode(row.id));
  if (destroy) {
    // Deposits name the key; they can never be used again (deposited_hashes go by cascade).
    SAMP11_RETURN_IF_ERROR(c.Exec("dropping a destroyed key's deposits",
                                  "DELETE FROM deposited_sads WHERE key_id = $1",
                                  PgParams().Blob(row.id))
                               .status());
  }
  return tx->Commit();
}

}  // namespace

Status PgKeyStore::InsertKey(KeyRow& row) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(int64_t handle, InsertRow(c_, row));  // one statement: whole or not
  row.handle = handle;
  return Status::Ok();
}

Status PgKeyStore::InsertKeys(std::vector<KeyRow>& rows) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto tx, PgTransaction::Begin(c_));
  std::vector<int64_t> handles;
  handles.reserve(rows.size());
  for (const KeyRow& row : rows) {
    SAMP11_ASSIGN_OR_RETURN(int64_t handle, InsertRow(c_, row));
    handles.push_back(handle);
  }
  SAMP11_RETURN_IF_ERROR(tx->Commit());
  for (size_t i = 0; i < rows.size(); ++i) rows[i].handle = handles[i];
  return Status::Ok();
}

Result<std::optional<KeyRow>> PgKeyStore::FindKeyByHandle(int64_t handle) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(
      PgRows rows, c_.Exec("reading a key",
                           std::string("SELECT ") + kPgKeyColumns + " FROM keys WHERE handle = $1",
                           PgParams().Int64(handle)));
  return PgReadOne(rows, PgReadKeyRow);
}

Result<std::optional<KeyRow>> PgKeyStore::FindKeyById(const Bytes& id) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(
      PgRows rows,
      c_.Exec("reading a key", std::string("SELECT ") + kPgKeyColumns + " FROM keys WHERE id = $1",
              PgParams().Blob(id)));
  return PgReadOne(rows, PgReadKeyRow);
}

Result<std::vector<KeyRow>> PgKeyStore::FindKeysByLabel(std::string_view label, int64_t after,
                                                        size_t limit) {
  return KeysWhere(c_, "label", label, after, limit);
}

Result<std::vector<KeyRow>> PgKeyStore::ListKeysByOwner(std::string_view owner, int64_t after,
                                                        size_t limit) {
  return KeysWhere(c_, "owner", owner, after, limit);
}

Result<std::vector<KeyRow>> PgKeyStore::ListKeys(int64_t after, size_t limit) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(PgRows rows, c_.Exec("listing keys",
                                               std::string("SELECT ") + kPgKeyColumns +
                                                   " FROM keys WHERE handle > $1" + kListed + "$2",
                                               PgParams().Int64(after).Int64(PgLimit(limit))));
  return PgReadAll(rows, PgReadKeyRow);
}

Status PgKeyStore::UpdateKeyStatus(const KeyRow& row) {
  auto lock = c_.Lock();
  return UpdateStatus(c_, row, /*destroy=*/false);
}

Status PgKeyStore::DestroyKey(const KeyRow& row) {
  auto lock = c_.Lock();
  // SQLite's erasure of freed pages has no counterpart: old row versions are the server's (VACUUM).
  return UpdateStatus(c_, row, /*destroy=*/true);
}

}  // namespace samp11
