#include "bench/sync_counter.h"

#include <dlfcn.h>

#include <chrono>

namespace samp11::bench {
std::atomic<int64_t> g_sync_calls{0};
std::atomic<int64_t> g_sync_ns{0};
}  // namespace samp11::bench

namespace {
template <const char* kName>
int CountedSync(int fd) {
  using SyncFn = int (*)(int);
  static SyncFn real = reinterpret_cast<SyncFn>(dlsym(RTLD_NEXT, kName));
  auto a = std::chrono::steady_clock::now();
  int rc = real(fd);
  samp11::bench::g_sync_ns +=
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - a)
          .count();
  samp11::bench::g_sync_calls++;
  return rc;
}
constexpr char kFsync[] = "fsync";
constexpr char kFdatasync[] = "fdatasync";
}  // namespace

// Exported (the target has ENABLE_EXPORTS), so that they interpose the C library's for the
// modules the bench dlopens.
extern "C" int fsync(int fd) { return CountedSync<kFsync>(fd); }
extern "C" int fdatasync(int fd) { return CountedSync<kFdatasync>(fd); }
