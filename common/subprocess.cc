#include "common/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace samp11 {
namespace {

Status Errno(const std::string& what) {
  return Status(Code::kDevice, what + ": " + std::strerror(errno));
}

// A descriptor closed when it goes out of scope.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { Close(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int* out() { return &fd_; }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// The child, killed if the run ends early, and always reaped.
class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid) {}
  ~Child() {
    if (!reaped_) Kill();
  }
  pid_t pid() const { return pid_; }
  bool reaped() const { return reaped_; }
  const SubprocessResult& status() const { return status_; }

  // True once it has exited (and is reaped). kDevice if it cannot be waited for (the host
  // ignores SIGCHLD, so the kernel reaped it and its exit code is gone).
  Result<bool> Poll() {
    if (reaped_) return true;
    int wstatus = 0;
    pid_t got = ::waitpid(pid_, &wstatus, WNOHANG);
    if (got == 0) return false;
    if (got < 0) {
      if (errno == EINTR) return false;
      reaped_ = true;  // nothing left to reap
      return Errno("cannot read the exit status of " + std::to_string(pid_));
    }
    Record(wstatus);
    return true;
  }

  void Kill() {
    ::kill(pid_, SIGKILL);
    int wstatus = 0;
    while (::waitpid(pid_, &wstatus, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
  }

 private:
  void Record(int wstatus) {
    reaped_ = true;
    if (WIFEXITED(wstatus)) {
      status_.exited = true;
      status_.exit_code = WEXITSTATUS(wstatus);
    } else if (WIFSIGNALED(wstatus)) {
      status_.signal = WTERMSIG(wstatus);
    }
  }

  pid_t pid_;
  bool reaped_ = false;
  SubprocessResult status_;
};

Result<pid_t> Spawn(const SubprocessSpec& spec, int stdin_fd, int stdout_fd) {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_adddup2(&actions, stdin_fd, 0);
  posix_spawn_file_actions_adddup2(&actions, stdout_fd, 1);
  // The host may block or ignore signals (SIGPIPE, SIGCHLD...): the helper starts with defaults.
  sigset_t none;
  sigset_t all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  // The host's process group, not one of its own: a device that asks its user on the terminal
  // (`samp11 device answer` without a policy) must be in the terminal's foreground group, or
  // reading /dev/tty stops it (SIGTTIN).
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> argv;
  for (const std::string& arg : spec.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, spec.argv[0].c_str(), &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    return Status(Code::kDevice, "cannot run " + spec.argv[0] + ": " + std::strerror(rc));
  }
  return pid;
}

Status TimedOutOrCancelled(const SubprocessSpec& spec) {
  if (spec.cancel != nullptr) {
    if (std::optional<Status> reason = spec.cancel->reason()) return *reason;
  }
  return Status(Code::kTimedOut, spec.argv[0] + " did not answer in time");
}

}  // namespace

Result<SubprocessResult> RunSubprocess(const SubprocessSpec& spec) {
  if (spec.argv.empty() || spec.argv[0].empty() || spec.argv[0][0] != '/') {
    return Status(Code::kConfig, "a helper program is named by its absolute path");
  }
  int cancel_fd = -1;
  if (spec.cancel != nullptr) {
    SAMP11_ASSIGN_OR_RETURN(cancel_fd, spec.cancel->WaitFd());
  }
  // stdin: a socket, so that writing to a helper that closed it is EPIPE, not a SIGPIPE that
  // would kill the host application.
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return Errno("socketpair");
  Fd in_parent(sv[0]);
  Fd in_child(sv[1]);
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return Errno("pipe2");
  Fd out_parent(out[0]);
  Fd out_child(out[1]);

  SAMP11_ASSIGN_OR_RETURN(pid_t pid, Spawn(spec, in_child.get(), out_child.get()));
  Child child(pid);
  in_child.Close();
  out_child.Close();
  ::fcntl(in_parent.get(), F_SETFL, O_NONBLOCK);
  ::fcntl(out_parent.get(), F_SETFL, O_NONBLOCK);
  // Tells when the helper exits, in the same poll (Linux 5.3); without it, polled every 20 ms.
  Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));

  std::string output;
  size_t written = 0;
  if (spec.input.empty()) in_parent.Close();
  for (;;) {
    if (spec.cancel != nullptr && spec.cancel->reason()) return TimedOutOrCancelled(spec);
    const int64_t left = spec.deadline_millis - MonotonicMillis();
    if (left <= 0) return TimedOutOrCancelled(spec);

    pollfd fds[4];
    nfds_t n = 0;
    int in_i = -1, out_i = -1, pid_i = -1;
    if (in_parent.get() >= 0) {
      in_i = static_cast<int>(n);
      fds[n++] = {in_parent.get(), POLLOUT, 0};
    }
    if (out_parent.get() >= 0) {
      out_i = static_cast<int>(n);
      fds[n++] = {out_parent.get(), POLLIN, 0};
    }
    if (pidfd.get() >= 0 && !child.reaped()) {
      pid_i = static_cast<int>(n);
      fds[n++] = {pidfd.get(), POLLIN, 0};
    }
    if (cancel_fd >= 0) fds[n++] = {cancel_fd, POLLIN, 0};
    int timeout = left > 1000 ? 1000 : static_cast<int>(left);
    if (pidfd.get() < 0 && timeout > 20) timeout = 20;
    if (::poll(fds, n, timeout) < 0) {
      if (errno == EINTR) continue;
      return Errno("poll");
    }

    if (in_i >= 0 && fds[in_i].revents != 0) {
      ssize_t sent = ::send(in_parent.get(), spec.input.data() + written,
                            spec.input.size() - written, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (sent > 0) written += static_cast<size_t>(sent);
      // Done, or the helper does not read its input (EPIPE): either way no more to send.
      if (written == spec.input.size() || (sent < 0 && errno != EAGAIN && errno != EINTR)) {
        in_parent.Close();
      }
    }
    if (out_i >= 0 && fds[out_i].revents != 0) {
      char buffer[4096];
      ssize_t got = ::read(out_parent.get(), buffer, sizeof buffer);
      if (got > 0) {
        output.append(buffer, static_cast<size_t>(got));
        if (output.size() > spec.max_output) {
          return Status(Code::kDevice, spec.argv[0] + " wrote more than " +
                                           std::to_string(spec.max_output) + " bytes");
        }
      } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
        out_parent.Close();  // end of its output
      }
    }
    if ((pid_i >= 0 && fds[pid_i].revents != 0) || pidfd.get() < 0) {
      SAMP11_ASSIGN_OR_RETURN(bool exited, child.Poll());
      (void)exited;
    }
    // Its answer is complete once it exited and its output ended. A helper that exits while
    // something it started still holds its stdout open: what was written so far is the answer.
    if (child.reaped()) {
      if (out_parent.get() >= 0) {
        char buffer[4096];
        ssize_t got;
        while ((got = ::read(out_parent.get(), buffer, sizeof buffer)) > 0) {
          output.append(buffer, static_cast<size_t>(got));
          if (output.size() > spec.max_output) {
            return Status(Code::kDevice, spec.argv[0] + " wrote more than " +
                                             std::to_string(spec.max_output) + " bytes");
          }
        }
      }
      SubprocessResult result = child.status();
      result.output = std::move(output);
      return result;
    }
  }
}

}  // namespace samp11
