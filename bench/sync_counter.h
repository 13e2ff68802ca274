// The process's durable writes, counted. samp11_bench defines fsync and fdatasync itself
// (sync_counter.cc): the executable's definitions come first in symbol lookup for every library
// it loads (SQLite inside libsamp11.so among them), so the bench sees the durable writes a
// signature really makes and the time spent in them.
#pragma once

#include <atomic>
#include <cstdint>

namespace samp11::bench {

extern std::atomic<int64_t> g_sync_calls;  // fsync + fdatasync calls of the process
extern std::atomic<int64_t> g_sync_ns;     // nanoseconds spent in them

}  // namespace samp11::bench
