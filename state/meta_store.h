// Named values of a token: its identity, label, creation time, master-key check and the like.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace samp11 {

class MetaStore {
 public:
  virtual ~MetaStore() = default;

  virtual Result<std::optional<std::string>> GetMeta(std::string_view name) = 0;
  // Writes once: kAlreadyExists if the name is taken.
  virtual Status InsertMeta(std::string_view name, std::string_view value) = 0;
  // Inserts or replaces.
  virtual Status SetMeta(std::string_view name, std::string_view value) = 0;
};

}  // namespace samp11
