#include "sad/json_claims.h"

#include <limits>

namespace samp11 {

Status SadInvalid(const std::string& message) {
  return Status(Code::kActivationInvalid, "SAD " + message);
}

Result<std::string> SadString(const nlohmann::json& object, const char* name,
                              const std::string& what) {
  auto it = object.find(name);
  if (it == object.end()) return SadInvalid(what + " is missing");
  if (!it->is_string()) return SadInvalid(what + " is not a string");
  return it->get<std::string>();
}

Result<int64_t> SadInteger(const nlohmann::json& object, const char* name,
                           const std::string& what) {
  auto it = object.find(name);
  if (it == object.end()) return SadInvalid(what + " is missing");
  // is_number_integer excludes 1.0 and 1e3: a time or count written as a float is refused.
  if (!it->is_number_integer()) return SadInvalid(what + " is not an integer");
  if (it->is_number_unsigned() &&
      it->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return SadInvalid(what + " is out of range");
  }
  return it->get<int64_t>();
}

Result<Bytes> SadDigest(const nlohmann::json& value, const std::string& what) {
  if (!value.is_string()) return SadInvalid(what + " is not a string");
  std::optional<Bytes> hash = Base64Decode(value.get_ref<const std::string&>());
  if (!hash) return SadInvalid(what + " is not padded base64");
  return std::move(*hash);
}

}  // namespace samp11
