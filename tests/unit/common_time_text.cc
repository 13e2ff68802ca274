#include <doctest/doctest.h>

#include <cstdint>
#include <limits>

#include "common/time_text.h"

namespace samp11 {
namespace {

TEST_CASE("UTC text is RFC 3339 by default") {
  CHECK(UtcText(0) == "1970-01-01T00:00:00Z");
  CHECK(UtcText(1700000000) == "2023-11-14T22:13:20Z");
  CHECK(UtcText(1700000000, UtcFormat::kRfc3339) == "2023-11-14T22:13:20Z");
  CHECK(UtcText(951825599) == "2000-02-29T11:59:59Z");  // a leap day, the second before noon
  CHECK(UtcText(253402300799) == "9999-12-31T23:59:59Z");
  CHECK(UtcText(-1) == "1969-12-31T23:59:59Z");
}

TEST_CASE("compact UTC text has no separators, for file names") {
  CHECK(UtcText(0, UtcFormat::kCompact) == "19700101T000000Z");
  CHECK(UtcText(1700000000, UtcFormat::kCompact) == "20231114T221320Z");
  CHECK(UtcText(951825599, UtcFormat::kCompact) == "20000229T115959Z");
}

TEST_CASE("a time whose year overflows is written as its seconds") {
  const int64_t far = std::numeric_limits<int64_t>::max();
  CHECK(UtcText(far) == "9223372036854775807");
  CHECK(UtcText(far, UtcFormat::kCompact) == "9223372036854775807");
}

}  // namespace
}  // namespace samp11
