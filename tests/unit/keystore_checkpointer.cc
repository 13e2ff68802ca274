// The module's own checkpoints (keystore/audit_checkpointer.h): after every N durable records, at
// the latest T seconds after one, and when the token closes; each one a genuine checkpoint the log
// holds; only durable records; a sink that fails holds no signature up and the next checkpoint
// goes out; syslog gets a datagram with the checkpoint in it; a sink that cannot take a line keeps
// the checkpoints from starting.
#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "keystore/audit_checkpoint.h"
#include "keystore/audit_checkpointer.h"
#include "keystore/checkpoint_sink.h"
#include "keystore/keystore.h"
#include "keystore_audit_util.h"
#include "keystore_test_util.h"

namespace samp11 {
namespace {

using testing::AppendSigns;
using testing::NewToken;
using testing::OpenTestKeystore;
using testing::SignOf;
using testing::SignSpending;
using testing::TempDir;
using testing::TestToken;

std::vector<std::string> Lines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

int64_t SeqOf(const std::string& line) {
  auto parsed = ParseCheckpointLine(line);
  REQUIRE_MESSAGE(parsed.ok(), line);
  return parsed->seq;
}

// Waits up to 20 s for the file to hold count lines (the checkpointer's thread writes them).
std::vector<std::string> AwaitLines(const std::string& path, size_t count) {
  for (int i = 0; i < 400 && Lines(path).size() < count; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Lines(path);
}

void EmitTo(Keystore& ks, const std::string& file, CheckpointSchedule schedule) {
  std::vector<std::unique_ptr<CheckpointSink>> sinks;
  sinks.push_back(MakeCheckpointFileSink(file));
  Status started = ks.EmitCheckpoints(schedule, std::move(sinks));
  REQUIRE_MESSAGE(started.ok(), started.ToString());
}

TEST_CASE("checkpointer: every N durable records, and a last one at close; the log holds them") {
  TempDir dir;
  TestToken token = NewToken(dir);
  const std::string file = dir.File("checkpoints");
  EmitTo(*token.keystore, file, CheckpointSchedule{3, 86400});
  AppendSigns(*token.keystore, 2);  // records 2 and 3: one short of 3 since the head at open
  for (uint8_t i = 1; i <= 4; ++i) {
    REQUIRE(*SignSpending(*token.keystore, "s" + std::to_string(i), i));  // records 4 to 7
  }
  // Lazy records are not durable yet: not checkpointed by themselves.
  REQUIRE(token.keystore->audit().Append(SignOf("lazy"), AuditLog::Durability::kLazy).ok());
  // However the thread kept up with the writes: at least one before the close, each at least 3
  // records after the one before (the head at open, record 1, first).
  auto lines = AwaitLines(file, 1);
  REQUIRE(!lines.empty());
  int64_t previous = 1;
  for (const std::string& line : lines) {
    CHECK(SeqOf(line) - previous >= 3);
    CHECK(SeqOf(line) <= 7);  // never the lazy record 8
    previous = SeqOf(line);
  }
  // Counted once every sink has it: a moment after the file has the line.
  for (int i = 0; i < 400 && token.keystore->checkpointer()->written() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(token.keystore->checkpointer()->written() >= 1);

  AppendSigns(*token.keystore, 1, 10);  // record 9, synced: the lazy record 8 is durable with it
  token.keystore.reset();
  lines = Lines(file);
  REQUIRE(!lines.empty());
  CHECK(SeqOf(lines.back()) == 9);
  CHECK(ParseCheckpointLine(lines.back())->spent == 4);

  auto ks = OpenTestKeystore(token.path, token.master);
  REQUIRE(ks.ok());
  auto problems = (*ks)->CheckCheckpoints(lines);
  REQUIRE(problems.ok());
  CHECK(problems->empty());
}

TEST_CASE("checkpointer: at the latest T seconds after a record; nothing while nothing is new") {
  TempDir dir;
  TestToken token = NewToken(dir);
  const std::string file = dir.File("checkpoints");
  EmitTo(*token.keystore, file, CheckpointSchedule{1000, 1});
  CHECK(Lines(file).empty());
  AppendSigns(*token.keystore, 1);
  auto lines = AwaitLines(file, 1);
  REQUIRE(lines.size() == 1);
  CHECK(SeqOf(lines[0]) == 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  CHECK(Lines(file).size() == 1);  // the log did not move
  token.keystore.reset();
  CHECK(Lines(file).size() == 1);  // nor at close
}

TEST_CASE("checkpointer: a process that writes nothing durable emits nothing") {
  TempDir dir;
  TestToken token = NewToken(dir);
  const std::string file = dir.File("checkpoints");
  EmitTo(*token.keystore, file, CheckpointSchedule{1, 1});
  REQUIRE(token.keystore->audit().Append(SignOf("lazy"), AuditLog::Durability::kLazy).ok());
  token.keystore.reset();
  CHECK(Lines(file).empty());
}

TEST_CASE("checkpointer: threads signing at once while checkpoints go out") {
  TempDir dir;
  TestToken token = NewToken(dir);
  const std::string file = dir.File("checkpoints");
  EmitTo(*token.keystore, file, CheckpointSchedule{5, 1});
  std::vector<std::thread> threads;
  std::atomic<int> signed_count{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        auto won = SignSpending(*token.keystore, "t" + std::to_string(t) + "-" + std::to_string(i),
                                static_cast<uint8_t>(t));
        if (won.ok() && *won) ++signed_count;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(signed_count == 160);
  token.keystore.reset();
  // As many as the thread got to while they signed (on the memory state perhaps none before the
  // close), each after the one before, and the last one at the close.
  auto lines = Lines(file);
  REQUIRE(!lines.empty());
  int64_t previous = 1;
  for (const std::string& line : lines) {
    CHECK(SeqOf(line) > previous);
    previous = SeqOf(line);
  }
  CHECK(SeqOf(lines.back()) == 161);  // the creation record and 160 signatures
  CHECK(ParseCheckpointLine(lines.back())->spent == 160);
  auto ks = OpenTestKeystore(token.path, token.master);
  REQUIRE(ks.ok());
  auto problems = (*ks)->CheckCheckpoints(lines);
  REQUIRE(problems.ok());
  CHECK(problems->empty());
}

// Fails its writes while failing is set.
class FlakySink : public CheckpointSink {
 public:
  explicit FlakySink(std::atomic<bool>& failing, std::atomic<int>& lines)
      : failing_(failing), lines_(lines) {}
  Status Check() override { return Status::Ok(); }
  Status Write(const std::string&) override {
    if (failing_) return Status(Code::kStorage, "the checkpoint disk is full");
    ++lines_;
    return Status::Ok();
  }
  std::string Describe() const override { return "flaky"; }

 private:
  std::atomic<bool>& failing_;
  std::atomic<int>& lines_;
};

TEST_CASE("checkpointer: a failing sink holds no signature up; the next checkpoint goes out") {
  TempDir dir;
  TestToken token = NewToken(dir);
  std::atomic<bool> failing{true};
  std::atomic<int> lines{0};
  std::vector<std::unique_ptr<CheckpointSink>> sinks;
  sinks.push_back(std::make_unique<FlakySink>(failing, lines));
  REQUIRE(token.keystore->EmitCheckpoints(CheckpointSchedule{1, 86400}, std::move(sinks)).ok());
  AuditCheckpointer& checkpointer = *token.keystore->checkpointer();
  REQUIRE(*SignSpending(*token.keystore, "j1", 1));
  for (int i = 0; i < 400 && checkpointer.failed() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(checkpointer.failed() >= 1);
  CHECK(lines == 0);
  failing = false;
  REQUIRE(*SignSpending(*token.keystore, "j2", 2));
  for (int i = 0; i < 400 && lines == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(lines >= 1);
  CHECK(checkpointer.written() >= 1);
}

TEST_CASE("checkpointer: syslog gets one datagram per checkpoint, authpriv.notice, tagged") {
  TempDir dir;
  TestToken token = NewToken(dir);
  const std::string socket_path = dir.File("log.sock");
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  REQUIRE(socket_path.size() < sizeof address.sun_path);
  std::memcpy(address.sun_path, socket_path.c_str(), socket_path.size() + 1);
  REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
  timeval timeout{20, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);

  std::vector<std::unique_ptr<CheckpointSink>> sinks;
  sinks.push_back(MakeCheckpointSyslogSink(socket_path));
  REQUIRE(token.keystore->EmitCheckpoints(CheckpointSchedule{1, 86400}, std::move(sinks)).ok());
  REQUIRE(*SignSpending(*token.keystore, "j1", 1));
  char buffer[4096];
  const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
  ::close(fd);
  REQUIRE(got > 0);
  const std::string datagram(buffer, static_cast<size_t>(got));
  CHECK(datagram.rfind("<85>", 0) == 0);  // authpriv (10) * 8 + notice (5)
  CHECK(datagram.find(" samp11-checkpoint[") != std::string::npos);
  auto parsed = ParseCheckpointLine(datagram);
  REQUIRE(parsed.ok());
  CHECK(parsed->seq == 2);
  auto problems = token.keystore->CheckCheckpoints({datagram});
  REQUIRE(problems.ok());
  CHECK(problems->empty());
}

TEST_CASE("checkpointer: a sink that cannot take a line keeps checkpoints from starting") {
  TempDir dir;
  TestToken token = NewToken(dir);
  std::vector<std::unique_ptr<CheckpointSink>> sinks;
  sinks.push_back(MakeCheckpointFileSink(dir.File("missing-folder/checkpoints")));
  Status no_file = token.keystore->EmitCheckpoints(CheckpointSchedule{}, std::move(sinks));
  CHECK(no_file.code() == Code::kConfig);
  CHECK(no_file.message().find("missing-folder/checkpoints cannot be opened") != std::string::npos);
  sinks.clear();
  sinks.push_back(MakeCheckpointSyslogSink(dir.File("no.sock")));
  Status no_socket = token.keystore->EmitCheckpoints(CheckpointSchedule{}, std::move(sinks));
  CHECK(no_socket.code() == Code::kConfig);
  CHECK(no_socket.message().find("no.sock takes no checkpoint") != std::string::npos);
  CHECK(token.keystore->checkpointer() == nullptr);
  Status none = token.keystore->EmitCheckpoints(CheckpointSchedule{}, {});
  CHECK(none.code() == Code::kConfig);
}

}  // namespace
}  // namespace samp11
