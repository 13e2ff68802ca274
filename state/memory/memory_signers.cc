// Signers and activation keys, and the signer lifecycle's writes.
#include <limits>
#include <string>

#include "state/memory/memory_stores.h"

namespace samp11 {
namespace {

template <typename Row>
std::optional<Row> Find(const std::map<std::string, Row>& table, std::string_view key) {
  auto found = table.find(std::string(key));
  if (found == table.end()) return std::nullopt;
  return found->second;
}

template <typename Row>
std::vector<Row> All(const std::map<std::string, Row>& table) {
  std::vector<Row> rows;
  rows.reserve(table.size());
  for (const auto& [key, row] : table) rows.push_back(row);
  return rows;
}

// The three status columns, as SignerStore::UpdateSignerStatus writes them.
void WriteStatus(SignerRow& stored, const SignerRow& row) {
  stored.status = row.status;
  stored.status_changed = row.status_changed;
  stored.status_mac = row.status_mac;
}

}  // namespace

Status MemorySignerStore::InsertSigner(const SignerRow& row) {
  auto lock = c_.Lock();
  auto [slot, inserted] = c_.tables().signers.emplace(row.name, row);
  if (!inserted) return Status(Code::kAlreadyExists, "signer '" + row.name + "' already exists");
  c_.Wrote(/*signing_path=*/false);
  return Status::Ok();
}

Result<std::optional<SignerRow>> MemorySignerStore::FindSigner(std::string_view name) {
  auto lock = c_.Lock();
  return Find(c_.tables().signers, name);
}

Result<std::vector<SignerRow>> MemorySignerStore::ListSigners() {
  auto lock = c_.Lock();
  return All(c_.tables().signers);
}

Status MemorySignerStore::UpdateSignerStatus(const SignerRow& row) {
  auto lock = c_.Lock();
  auto found = c_.tables().signers.find(row.name);
  if (found == c_.tables().signers.end()) {
    return Status(Code::kNotFound, "no signer '" + row.name + "'");
  }
  WriteStatus(found->second, row);
  c_.Wrote(/*signing_path=*/false);
  return Status::Ok();
}

Status MemorySignerStore::RemoveSigner(const SignerRow& row) {
  auto lock = c_.Lock();
  MemoryTables& tables = c_.tables();
  // Everything is checked before anything changes: the removal is all or nothing.
  int64_t live_keys = 0;
  for (auto it = tables.keys_by_owner.lower_bound({row.name, std::numeric_limits<int64_t>::min()});
       it != tables.keys_by_owner.end() && it->first == row.name; ++it) {
    if (tables.keys.at(it->second).status != "destroyed") ++live_keys;
  }
  if (live_keys > 0) {
    return Status(Code::kArgumentsBad, "signer '" + row.name + "' still has " +
                                           std::to_string(live_keys) +
                                           " key(s): destroy them first (or --destroy-keys)");
  }
  auto signer = tables.signers.find(row.name);
  if (signer == tables.signers.end()) {
    return Status(Code::kNotFound, "no signer '" + row.name + "'");
  }
  for (auto it = tables.activation_keys.begin(); it != tables.activation_keys.end();) {
    const ActivationKeyRow& key = it->second;
    it = key.owner == row.name && key.role == "device" ? tables.activation_keys.erase(it)
                                                       : std::next(it);
  }
  tables.pins.erase(row.name);
  for (auto it = tables.subjects.begin(); it != tables.subjects.end();) {
    it = it->second.signer == row.name ? tables.subjects.erase(it) : std::next(it);
  }
  for (auto it = tables.otp.begin(); it != tables.otp.end();) {
    it = it->first.first == row.name ? tables.otp.erase(it) : std::next(it);
  }
  WriteStatus(signer->second, row);
  c_.Wrote(/*signing_path=*/false);
  return Status::Ok();
}

Status MemorySignerStore::InsertActivationKey(const ActivationKeyRow& row) {
  auto lock = c_.Lock();
  auto [slot, inserted] = c_.tables().activation_keys.emplace(row.kid, row);
  if (!inserted) {
    return Status(Code::kAlreadyExists, "activation key '" + row.kid + "' already exists");
  }
  c_.Wrote(/*signing_path=*/false);
  return Status::Ok();
}

Result<std::optional<ActivationKeyRow>> MemorySignerStore::FindActivationKey(std::string_view kid) {
  auto lock = c_.Lock();
  return Find(c_.tables().activation_keys, kid);
}

Result<std::vector<ActivationKeyRow>> MemorySignerStore::ListActivationKeys() {
  auto lock = c_.Lock();
  return All(c_.tables().activation_keys);
}

Status MemorySignerStore::UpdateActivationKeys(const std::vector<ActivationKeyRow>& rows) {
  auto lock = c_.Lock();
  auto& keys = c_.tables().activation_keys;
  for (const ActivationKeyRow& row : rows) {  // all there before any is written
    if (keys.count(row.kid) == 0) {
      return Status(Code::kNotFound, "no activation key '" + row.kid + "'");
    }
  }
  for (const ActivationKeyRow& row : rows) {
    ActivationKeyRow& stored = keys.at(row.kid);
    stored.status = row.status;
    stored.status_changed = row.status_changed;
    stored.mac = row.mac;
  }
  c_.Wrote(/*signing_path=*/false);
  return Status::Ok();
}

Status MemorySignerStore::DeleteActivationKey(std::string_view kid) {
  auto lock = c_.Lock();
  auto& keys = c_.tables().activation_keys;
  auto found = keys.find(std::string(kid));
  if (found == keys.end()) {
    return Status(Code::kNotFound, "no activation key '" + std::string(kid) + "'");
  }
  keys.erase(found);
  c_.Wrote(/*signing_path=*/false);
  return Status::Ok();
}

}  // namespace samp11
