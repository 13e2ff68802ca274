// Named values: the meta table.
#include <string>

#include "state/memory/memory_stores.h"

namespace samp11 {

Result<std::optional<std::string>> MemoryMetaStore::GetMeta(std::string_view name) {
  auto lock = c_.Lock();
  const auto& meta = c_.tables().meta;
  auto found = meta.find(std::string(name));
  if (found == meta.end()) return std::optional<std::string>();
  return std::optional<std::string>(found->second);
}

Status MemoryMetaStore::InsertMeta(std::string_view name, std::string_view value) {
  auto lock = c_.Lock();
  auto [slot, inserted] = c_.tables().meta.emplace(std::string(name), std::string(value));
  if (!inserted) {
    return Status(Code::kAlreadyExists, "meta '" + std::string(name) + "' is already set");
  }
  c_.Wrote(/*signing_path=*/false);
  return Status::Ok();
}

Status MemoryMetaStore::SetMeta(std::string_view name, std::string_view value) {
  auto lock = c_.Lock();
  c_.tables().meta[std::string(name)] = std::string(value);
  c_.Wrote(/*signing_path=*/false);
  return Status::Ok();
}

}  // namespace samp11
