// `samp11_bench run`: the whole set, in the order docs/performance.md describes it.
#pragma once

#include "bench/run_options.h"

namespace samp11::bench {

// Prints progress on stderr, the table and the targets on stdout, writes o.out; returns the exit
// code. Throws BenchError on any failure to sign or verify.
int RunAll(const RunOptions& o);

}  // namespace samp11::bench
