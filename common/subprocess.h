// Runs a helper program the way credential helpers are run: a request on its standard input, an
// answer on its standard output, its exit code for the outcome, bounded by a deadline and a
// CancelSignal. Used by the exec SAD provider (sam/exec_provider.cc) to ask a signer's device.
// Safe in a multi-threaded host: posix_spawn, descriptors close-on-exec, no SIGPIPE raised in the
// host (the request goes through a socket written with MSG_NOSIGNAL), no thread of our own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/cancel_signal.h"
#include "common/status.h"

namespace samp11 {

struct SubprocessSpec {
  std::vector<std::string> argv;  // argv[0]: the program's absolute path (no PATH search)
  std::string input;              // written to its stdin, then end of file
  size_t max_output = 65536;      // a longer stdout is a fault of the program (kDevice)
  int64_t deadline_millis = 0;    // on the monotonic clock (MonotonicMillis)
  CancelSignal* cancel = nullptr;
};

struct SubprocessResult {
  bool exited = false;  // it called exit (then exit_code), or else it was killed (signal)
  int exit_code = 0;
  int signal = 0;
  std::string output;  // its stdout
};

// Runs spec.argv with the host's environment and process group (so that it may ask on the
// terminal), stdin from spec.input, stdout captured and stderr shared with the host. At the
// deadline, or when cancel fires, it is killed (SIGKILL) and reaped; the result is then
// kTimedOut, or the cancel's reason. Processes it started itself are its business: one that
// keeps stdout open does not hold the run up once the program exited. kDevice if it cannot be
// started, writes too much, or cannot be reaped.
Result<SubprocessResult> RunSubprocess(const SubprocessSpec& spec);

}  // namespace samp11
