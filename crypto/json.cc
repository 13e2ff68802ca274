#include "crypto/json.h"

#include <set>
#include <string>
#include <vector>

namespace samp11 {

std::string Excerpt(std::string_view text, size_t max_chars) {
  std::string out;
  for (char c : text.substr(0, max_chars)) out.push_back(c >= 0x20 && c <= 0x7e ? c : '?');
  if (text.size() > max_chars) out += "...";
  return out;
}

Result<nlohmann::json> ParseJsonObject(std::string_view text, Code code, int max_depth) {
  using nlohmann::json;
  std::vector<std::set<std::string>> open_objects;
  int depth = 0;
  std::string failure;
  auto callback = [&](int, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        open_objects.emplace_back();
        [[fallthrough]];
      case json::parse_event_t::array_start:
        if (++depth > max_depth && failure.empty()) failure = "JSON nested too deeply";
        break;
      case json::parse_event_t::object_end:
        if (!open_objects.empty()) open_objects.pop_back();
        [[fallthrough]];
      case json::parse_event_t::array_end:
        --depth;
        break;
      case json::parse_event_t::key:
        if (!open_objects.empty() && parsed.is_string() &&
            !open_objects.back().insert(parsed.get_ref<const std::string&>()).second &&
            failure.empty()) {
          failure = "duplicate JSON member '" + Excerpt(parsed.get_ref<const std::string&>()) + "'";
        }
        break;
      case json::parse_event_t::value:
        break;
    }
    return true;
  };
  json value = json::parse(text.begin(), text.end(), callback, /*allow_exceptions=*/false);
  if (value.is_discarded()) return Status(code, "not valid JSON");
  if (!failure.empty()) return Status(code, failure);
  if (!value.is_object()) return Status(code, "JSON value is not an object");
  return value;
}

}  // namespace samp11
