// Status and Result (common/status.h) turned into BenchError: the bench stops at the first
// failure instead of measuring something that did not happen.
#pragma once

#include <string>
#include <utility>

#include "bench/p11.h"
#include "common/status.h"

namespace samp11::bench {

template <typename T>
T Must(Result<T> r, const std::string& what) {
  if (!r.ok()) throw BenchError(what + ": " + r.status().message());
  return std::move(*r);
}

inline void Must(const Status& s, const std::string& what) {
  if (!s.ok()) throw BenchError(what + ": " + s.message());
}

}  // namespace samp11::bench
