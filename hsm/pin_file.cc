// Reading the PIN file, and the rule that a refused PIN is not offered again (pin_file.h).
#include "hsm/pin_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace samp11::inner {
namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

constexpr size_t kMaxPinFileSize = 4096;

}  // namespace

Result<SecureBytes> ReadPinFile(const std::string& path, PinFileId* id) {
  // O_NONBLOCK: a FIFO put in the PIN file's place must not hang the signing thread in open().
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) {
    return Status(Code::kConfig, "cannot open PIN file " + path + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return Status(Code::kConfig, "cannot stat PIN file " + path + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return Status(Code::kConfig, "PIN file " + path + " is not a regular file");
  }
  if ((st.st_mode & (S_IROTH | S_IWOTH)) != 0) {
    return Status(Code::kConfig,
                  "PIN file " + path + " is readable or writable by all users; chmod o-rw it");
  }
  if (static_cast<size_t>(st.st_size) > kMaxPinFileSize) {
    return Status(Code::kConfig, "PIN file " + path + " is too large for a PIN file");
  }
  id->dev = st.st_dev;
  id->ino = st.st_ino;
  id->size = st.st_size;
  id->mtime = st.st_mtim;
  SecureBytes buffer(kMaxPinFileSize);
  size_t got = 0;
  while (got < buffer.size()) {
    ssize_t n = ::read(fd.get(), buffer.data() + got, buffer.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return Status(Code::kConfig, "cannot read PIN file " + path + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  size_t len = 0;
  while (len < got && buffer.data()[len] != '\n') ++len;
  if (len > 0 && buffer.data()[len - 1] == '\r') --len;
  if (len == 0) return Status(Code::kConfig, "PIN file " + path + " has an empty first line");
  // buffer is wiped (OPENSSL_cleanse) when it goes; so is the returned copy after the login.
  return SecureBytes(buffer.data(), len);
}

Result<SecureBytes> PinFile::Read() {
  PinFileId file;
  Result<SecureBytes> read = ReadPinFile(path_, &file);
  if (!read.ok()) return Status(Code::kDevice, read.status().message());
  if (failure_.has_value() && failure_->file == file) {
    return Status(failure_->status.code(),
                  failure_->status.message() + "; not tried again until " + path_ + " changes");
  }
  last_read_ = file;
  return read;
}

}  // namespace samp11::inner
