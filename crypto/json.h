// Strict JSON for security-relevant documents (JWK, SAD): a member name that appears twice is
// refused, because two parsers may keep different copies and so disagree about what was signed.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "common/status.h"

namespace samp11 {

// Parses text as one JSON object. Refuses invalid JSON (including invalid UTF-8), a top-level
// value that is not an object, duplicate member names at any depth, and nesting deeper than
// max_depth. Failures carry `code`; the message names the rule, never the text.
Result<nlohmann::json> ParseJsonObject(std::string_view text, Code code, int max_depth = 16);

// A JSON string fit to quote in an error message: at most max_chars, and anything outside
// printable ASCII shown as '?', so a crafted value cannot forge log lines. Only for protocol
// vocabulary (member names, algorithm names), never for secrets.
std::string Excerpt(std::string_view text, size_t max_chars = 32);

}  // namespace samp11
