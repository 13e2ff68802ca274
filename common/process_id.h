// This process's id without a system call per use (glibc's getpid() is one): read once, and again
// in the child of every fork() (pthread_atfork), which is the only way it changes under us.
#pragma once

#include <sys/types.h>

namespace samp11 {

pid_t CurrentPid();

}  // namespace samp11
