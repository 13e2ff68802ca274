// Signing keys: the keys table, its indexes, and the key lifecycle's writes.
#include <openssl/crypto.h>

#include <set>
#include <string>

#include "state/memory/memory_stores.h"

namespace samp11 {
namespace {

// Checks one row as SQLite's constraints would (a unique id; an owner that is a signer), also
// against the rows of the same write not stored yet (ids).
Status CheckInsert(const MemoryTables& tables, const KeyRow& row, const std::set<Bytes>& batch) {
  if (tables.key_by_id.count(row.id) != 0 || batch.count(row.id) != 0) {
    return Status(Code::kAlreadyExists, "a key with that id already exists");
  }
  if (tables.signers.count(row.owner) == 0) {
    return Status(Code::kNotFound, "key owner '" + row.owner + "' is not an enrolled signer");
  }
  return Status::Ok();
}

// Keys of an index (label or owner) with handle > after, not destroyed, by handle.
std::vector<KeyRow> KeysOf(const MemoryTables& tables,
                           const std::set<std::pair<std::string, int64_t>>& index,
                           std::string_view value, int64_t after, size_t limit) {
  std::vector<KeyRow> rows;
  const std::string key(value);
  for (auto it = index.upper_bound({key, after}); it != index.end() && it->first == key; ++it) {
    if (rows.size() >= limit) break;
    const KeyRow& row = tables.keys.at(it->second);
    if (row.status != "destroyed") rows.push_back(row);
  }
  return rows;
}

}  // namespace

Status MemoryKeyStore::InsertKey(KeyRow& row) {
  std::vector<KeyRow> rows{row};
  SAMP11_RETURN_IF_ERROR(InsertKeys(rows));
  row.handle = rows[0].handle;
  return Status::Ok();
}

Status MemoryKeyStore::InsertKeys(std::vector<KeyRow>& rows) {
  auto lock = c_.Lock();
  MemoryTables& tables = c_.tables();
  std::set<Bytes> batch;
  for (const KeyRow& row : rows) {  // all checked first: all rows or none
    SAMP11_RETURN_IF_ERROR(CheckInsert(tables, row, batch));
    batch.insert(row.id);
  }
  if (rows.empty()) return Status::Ok();
  for (KeyRow& row : rows) {
    KeyRow stored = row;
    stored.handle = ++tables.last_key_handle;
    tables.AddKey(stored);
    row.handle = stored.handle;
  }
  c_.Wrote(/*signing_path=*/false);
  return Status::Ok();
}

Result<std::optional<KeyRow>> MemoryKeyStore::FindKeyByHandle(int64_t handle) {
  auto lock = c_.Lock();
  auto found = c_.tables().keys.find(handle);
  if (found == c_.tables().keys.end()) return std::optional<KeyRow>();
  return std::optional<KeyRow>(found->second);
}

Result<std::optional<KeyRow>> MemoryKeyStore::FindKeyById(const Bytes& id) {
  auto lock = c_.Lock();
  const KeyRow* row = c_.tables().FindKeyById(id);
  if (row == nullptr) return std::optional<KeyRow>();
  return std::optional<KeyRow>(*row);
}

Result<std::vector<KeyRow>> MemoryKeyStore::FindKeysByLabel(std::string_view label, int64_t after,
                                                            size_t limit) {
  auto lock = c_.Lock();
  return KeysOf(c_.tables(), c_.tables().keys_by_label, label, after, limit);
}

Result<std::vector<KeyRow>> MemoryKeyStore::ListKeysByOwner(std::string_view owner, int64_t after,
                                                            size_t limit) {
  auto lock = c_.Lock();
  return KeysOf(c_.tables(), c_.tables().keys_by_owner, owner, after, limit);
}

Result<std::vector<KeyRow>> MemoryKeyStore::ListKeys(int64_t after, size_t limit) {
  auto lock = c_.Lock();
  const auto& keys = c_.tables().keys;
  std::vector<KeyRow> rows;
  for (auto it = keys.upper_bound(after); it != keys.end() && rows.size() < limit; ++it) {
    if (it->second.status != "destroyed") rows.push_back(it->second);
  }
  return rows;
}

Status MemoryKeyStore::UpdateStatus(const KeyRow& row, bool destroy) {
  auto lock = c_.Lock();
  MemoryTables& tables = c_.tables();
  KeyRow* stored = tables.FindKeyById(row.id);
  // A destroyed key never changes again.
  if (stored == nullptr || stored->status == "destroyed") {
    return Status(Code::kNotFound, "no key " + HexEncode(row.id));
  }
  stored->status = row.status;
  stored->status_changed = row.status_changed;
  stored->certified = row.certified;
  stored->status_mac = row.status_mac;
  if (destroy) {
    // Wiped, then its buffer freed (not merely emptied): no copy is left in the state.
    OPENSSL_cleanse(stored->wrapped_private.data(), stored->wrapped_private.size());
    Bytes().swap(stored->wrapped_private);
    // Deposits name the key; they can never be used again.
    for (auto it = tables.deposits.begin(); it != tables.deposits.end();) {
      it = it->second.key_id == row.id ? tables.deposits.erase(it) : std::next(it);
    }
  }
  c_.Wrote(/*signing_path=*/false);
  return Status::Ok();
}

Status MemoryKeyStore::UpdateKeyStatus(const KeyRow& row) {
  return UpdateStatus(row, /*destroy=*/false);
}

Status MemoryKeyStore::DestroyKey(const KeyRow& row) { return UpdateStatus(row, /*destroy=*/true); }

}  // namespace samp11
