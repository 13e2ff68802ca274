#include "common/file_io.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace samp11 {

Status WriteNewFile(const std::string& path, const uint8_t* data, size_t size) {
  int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) {
    int err = errno;
    if (err == EEXIST) return Status(Code::kAlreadyExists, path + " already exists");
    return Status(Code::kStorage, "cannot create " + path + ": " + std::strerror(err));
  }
  size_t done = 0;
  Status written = Status::Ok();
  while (done < size) {
    ssize_t n = ::write(fd, data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      written = Status(Code::kStorage, "cannot write " + path + ": " + std::strerror(errno));
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (written.ok() && ::fsync(fd) != 0) {
    written = Status(Code::kStorage, "cannot sync " + path + ": " + std::strerror(errno));
  }
  ::close(fd);
  if (!written.ok()) {
    ::unlink(path.c_str());
    return written;
  }
  std::string dir = std::filesystem::path(path).parent_path().string();
  int dir_fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return Status::Ok();
}

}  // namespace samp11
