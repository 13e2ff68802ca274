// RunSubprocess and CancelSignal: the exec SAD provider's way of asking a device. Real /bin/sh
// children: exit codes, signals, deadlines that kill the whole process group, cancellation from
// another thread, bounded output, and a child that does not read its input (no SIGPIPE for us).
#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "common/subprocess.h"

namespace samp11 {
namespace {

SubprocessSpec Shell(const std::string& script, int64_t timeout_millis = 5000) {
  SubprocessSpec spec;
  spec.argv = {"/bin/sh", "-c", script};
  spec.deadline_millis = MonotonicMillis() + timeout_millis;
  return spec;
}

// A process that is gone or a zombie (waiting for init to reap it) no longer runs.
bool Running(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  size_t close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

TEST_CASE("subprocess: input in, output and exit code out") {
  SubprocessSpec spec = Shell("cat; exit 7");
  spec.input = "request\n";
  auto run = RunSubprocess(spec);
  REQUIRE(run.ok());
  CHECK(run->exited);
  CHECK(run->exit_code == 7);
  CHECK(run->output == "request\n");
}

TEST_CASE("subprocess: killed by a signal is told apart from an exit") {
  auto run = RunSubprocess(Shell("kill -9 $$"));
  REQUIRE(run.ok());
  CHECK_FALSE(run->exited);
  CHECK(run->signal == SIGKILL);
}

TEST_CASE("subprocess: the deadline kills the program") {
  char pidfile[] = "/tmp/samp11-subprocess-XXXXXX";
  int fd = mkstemp(pidfile);
  REQUIRE(fd >= 0);
  close(fd);
  const auto start = std::chrono::steady_clock::now();
  auto run = RunSubprocess(Shell(std::string("echo $$ > ") + pidfile + "; sleep 30", 300));
  CHECK(run.status().code() == Code::kTimedOut);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
  std::ifstream in(pidfile);
  pid_t child = 0;
  in >> child;
  REQUIRE(child > 0);
  CHECK_FALSE(Running(child));  // killed and reaped
  unlink(pidfile);
}

TEST_CASE("subprocess: a process the program left holding stdout does not hold the run up") {
  const auto start = std::chrono::steady_clock::now();
  auto run = RunSubprocess(Shell("sleep 3 & echo answer; exit 0", 10000));
  REQUIRE(run.ok());
  CHECK(run->exit_code == 0);
  CHECK(run->output == "answer\n");
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}

TEST_CASE("subprocess: a cancel from another thread ends the wait with its reason") {
  CancelSignal cancel;
  SubprocessSpec spec = Shell("sleep 30", 20000);
  spec.cancel = &cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    cancel.Cancel(Status(Code::kSessionClosed, "closed"));
  });
  const auto start = std::chrono::steady_clock::now();
  auto run = RunSubprocess(spec);
  canceller.join();
  CHECK(run.status().code() == Code::kSessionClosed);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
  // A signal fired before the run starts ends it at once.
  auto again = RunSubprocess(spec);
  CHECK(again.status().code() == Code::kSessionClosed);
}

TEST_CASE("subprocess: too much output, a missing program, a relative path") {
  SubprocessSpec spec = Shell("head -c 100000 /dev/zero");
  spec.max_output = 1000;
  CHECK(RunSubprocess(spec).status().code() == Code::kDevice);
  SubprocessSpec missing;
  missing.argv = {"/nonexistent/device"};
  missing.deadline_millis = MonotonicMillis() + 1000;
  CHECK(RunSubprocess(missing).status().code() == Code::kDevice);
  SubprocessSpec relative = missing;
  relative.argv = {"sh"};
  CHECK(RunSubprocess(relative).status().code() == Code::kConfig);
}

TEST_CASE("subprocess: a helper that never reads its input raises no SIGPIPE in the host") {
  SubprocessSpec spec = Shell("exec 0<&-; echo answer");
  spec.input.assign(1 << 20, 'x');  // more than any pipe or socket buffer
  auto run = RunSubprocess(spec);   // the test process would die of SIGPIPE otherwise
  REQUIRE(run.ok());
  CHECK(run->exit_code == 0);
  CHECK(run->output == "answer\n");
}

TEST_CASE("cancel signal: first reason wins; a wait returns at once once fired") {
  CancelSignal cancel;
  CHECK_FALSE(cancel.reason());
  auto waited = WaitReadable(-1, MonotonicMillis() + 50, &cancel);
  REQUIRE(waited.ok());
  CHECK(*waited == WaitOutcome::kTimedOut);
  cancel.Cancel(Status(Code::kCancelled, "first"));
  cancel.Cancel(Status(Code::kSessionClosed, "second"));
  REQUIRE(cancel.reason());
  CHECK(cancel.reason()->code() == Code::kCancelled);
  waited = WaitReadable(-1, MonotonicMillis() + 10000, &cancel);
  REQUIRE(waited.ok());
  CHECK(*waited == WaitOutcome::kCancelled);
}

}  // namespace
}  // namespace samp11
