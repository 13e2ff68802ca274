#include "keystore/checkpoint_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "common/syslog_socket.h"

namespace samp11 {
namespace {

constexpr char kSyslogTag[] = "samp11-checkpoint";

class FileSink : public CheckpointSink {
 public:
  explicit FileSink(std::string path) : path_(std::move(path)) {}

  Status Check() override {
    const int fd = Open();
    if (fd < 0) return Failed(Code::kConfig, "cannot be opened for appending");
    ::close(fd);
    return Status::Ok();
  }

  Status Write(const std::string& line) override {
    const int fd = Open();
    if (fd < 0) return Failed(Code::kStorage, "cannot be opened for appending");
    const std::string text = line + "\n";
    // O_APPEND: one write() lands whole at the end, whoever else appends meanwhile.
    const ssize_t written = ::write(fd, text.data(), text.size());
    Status status = Status::Ok();
    if (written != static_cast<ssize_t>(text.size())) {
      status =
          Failed(Code::kStorage, written < 0 ? "cannot be appended to" : "took part of a line");
    } else if (::fdatasync(fd) != 0) {
      status = Failed(Code::kStorage, "cannot be synced");
    }
    ::close(fd);
    return status;
  }

  std::string Describe() const override { return "file " + path_; }

 private:
  int Open() const {
    return ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
  }
  Status Failed(Code code, const std::string& what) const {
    return Status(code, "the checkpoint file " + path_ + " " + what + ": " + std::strerror(errno));
  }

  const std::string path_;
};

class SyslogSink : public CheckpointSink {
 public:
  explicit SyslogSink(std::string socket_path) : socket_(std::move(socket_path)) {}

  Status Check() override {
    const int fd = SyslogSocket::Connect(socket_.path());
    if (fd < 0) return Failed(Code::kConfig, errno);
    ::close(fd);
    return Status::Ok();
  }

  Status Write(const std::string& line) override {
    std::lock_guard<std::mutex> lock(mu_);
    const int err = socket_.Send(SyslogDatagram(kSyslogAuthpriv | kSyslogNotice, kSyslogTag, line));
    return err == 0 ? Status::Ok() : Failed(Code::kStorage, err);
  }

  std::string Describe() const override { return "syslog " + socket_.path(); }

 private:
  Status Failed(Code code, int err) const {
    return Status(code, "the syslog socket " + socket_.path() +
                            " takes no checkpoint: " + std::strerror(err));
  }

  std::mutex mu_;
  SyslogSocket socket_;
};

}  // namespace

std::unique_ptr<CheckpointSink> MakeCheckpointFileSink(std::string path) {
  return std::make_unique<FileSink>(std::move(path));
}

std::unique_ptr<CheckpointSink> MakeCheckpointSyslogSink(std::string socket_path) {
  return std::make_unique<SyslogSink>(std::move(socket_path));
}

}  // namespace samp11
