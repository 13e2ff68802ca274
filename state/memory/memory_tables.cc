#include "state/memory/memory_tables.h"

namespace samp11 {

void MemoryTables::AddKey(const KeyRow& row) {
  keys[row.handle] = row;
  key_by_id[row.id] = row.handle;
  keys_by_label.emplace(row.label, row.handle);
  keys_by_owner.emplace(row.owner, row.handle);
  if (row.handle > last_key_handle) last_key_handle = row.handle;
}

void MemoryTables::Reindex() {
  key_by_id.clear();
  keys_by_label.clear();
  keys_by_owner.clear();
  for (const auto& [handle, row] : keys) {
    key_by_id[row.id] = handle;
    keys_by_label.emplace(row.label, handle);
    keys_by_owner.emplace(row.owner, handle);
    if (handle > last_key_handle) last_key_handle = handle;
  }
  for (const auto& [handle, row] : certs) {
    if (handle > last_cert_handle) last_cert_handle = handle;
  }
}

KeyRow* MemoryTables::FindKeyById(const Bytes& id) {
  auto found = key_by_id.find(id);
  if (found == key_by_id.end()) return nullptr;
  return &keys.at(found->second);
}

}  // namespace samp11
