// UTC text of a time in seconds since the epoch, the one way samp11 writes times for people and
// for JSON: RFC 3339 "2026-12-02T10:00:00Z" by default, or the compact "20261202T100000Z" where
// a ':' is unwelcome (file names: the copy a restore sets aside).
#pragma once

#include <cstdint>
#include <string>

namespace samp11 {

enum class UtcFormat {
  kRfc3339,  // %Y-%m-%dT%H:%M:%SZ
  kCompact,  // %Y%m%dT%H%M%SZ
};

// A time the C library cannot break down (its year overflows) comes back as its decimal seconds.
std::string UtcText(int64_t seconds, UtcFormat format = UtcFormat::kRfc3339);

}  // namespace samp11
