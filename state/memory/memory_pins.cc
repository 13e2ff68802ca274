// Signers' PINs and their failure counters.
#include <string>

#include "state/memory/memory_stores.h"

namespace samp11 {

Status MemoryPinStore::UpsertSignerPin(const SignerPinRow& row) {
  auto lock = c_.Lock();
  MemoryTables& tables = c_.tables();
  if (tables.signers.count(row.name) == 0) {
    return Status(Code::kNotFound, "no signer '" + row.name + "'");
  }
  // A new PIN starts with no failures: setting it is also how an operator unlocks a signer.
  SignerPinRow stored = row;
  stored.failures = 0;
  tables.pins[row.name] = std::move(stored);
  c_.Wrote(/*signing_path=*/false);
  return Status::Ok();
}

Result<std::optional<SignerPinRow>> MemoryPinStore::FindSignerPin(std::string_view name) {
  auto lock = c_.Lock();
  auto found = c_.tables().pins.find(std::string(name));
  if (found == c_.tables().pins.end()) return std::optional<SignerPinRow>();
  return std::optional<SignerPinRow>(found->second);
}

Result<std::vector<SignerPinRow>> MemoryPinStore::ListSignerPins() {
  auto lock = c_.Lock();
  std::vector<SignerPinRow> rows;
  for (const auto& [name, row] : c_.tables().pins) rows.push_back(row);
  return rows;
}

Result<bool> MemoryPinStore::TakePinTry(std::string_view name, int64_t max_tries) {
  auto lock = c_.Lock();
  // Tested and taken under one lock: two checks racing cannot both take the last try.
  auto found = c_.tables().pins.find(std::string(name));
  if (found == c_.tables().pins.end() || found->second.failures >= max_tries) return false;
  ++found->second.failures;
  c_.Wrote(/*signing_path=*/false);
  return true;
}

Status MemoryPinStore::ResetPinFailures(std::string_view name) {
  auto lock = c_.Lock();
  auto found = c_.tables().pins.find(std::string(name));
  if (found != c_.tables().pins.end()) {
    found->second.failures = 0;
    c_.Wrote(/*signing_path=*/false);
  }
  return Status::Ok();
}

}  // namespace samp11
