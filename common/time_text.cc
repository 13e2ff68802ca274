#include "common/time_text.h"

#include <ctime>

namespace samp11 {

std::string UtcText(int64_t seconds, UtcFormat format) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm utc{};
  if (gmtime_r(&t, &utc) == nullptr) return std::to_string(seconds);
  const char* pattern = format == UtcFormat::kCompact ? "%Y%m%dT%H%M%SZ" : "%Y-%m-%dT%H:%M:%SZ";
  char text[64];
  if (std::strftime(text, sizeof text, pattern, &utc) == 0) return std::to_string(seconds);
  return text;
}

}  // namespace samp11
