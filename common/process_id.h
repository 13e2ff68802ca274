// Who this process is. Its id without a system call per use (glibc's getpid() is one): read
// once, and again in the child of every fork() (pthread_atfork), which is the only way it changes
// under us. Its executable, for audit records and for the signer's device to show.
#pragma once

#include <sys/types.h>

#include <string>

namespace samp11 {

pid_t CurrentPid();

// The program this process runs (/proc/self/exe), read once: only an exec changes it, and an
// exec loads this library afresh. Empty when it cannot be read.
const std::string& OwnExecutable();

}  // namespace samp11
