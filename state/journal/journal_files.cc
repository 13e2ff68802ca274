// The signature journal's files (journal_files.h): names, locks, reads and appends, each failure
// a kStorage status that names the file and the system's reason.
#include "state/journal/journal_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace samp11 {
namespace {

constexpr char kSignlog[] = "-signlog";
constexpr char kControlMagic[8] = {'S', 'J', '1', 'C', 0, 0, 0, 0};

Status SystemError(const std::string& what, const std::string& path) {
  return Status(Code::kStorage, what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

std::string JournalControlPath(const std::string& token_path) { return token_path + kSignlog; }

std::string JournalFoldLockPath(const std::string& token_path) {
  return token_path + kSignlog + ".fold";
}

std::string JournalSegmentPath(const std::string& token_path, int64_t generation) {
  char digits[32];
  std::snprintf(digits, sizeof(digits), ".%08lld", static_cast<long long>(generation));
  return token_path + kSignlog + digits;
}

Result<std::vector<int64_t>> ListJournalSegments(const std::string& token_path) {
  const std::filesystem::path token(token_path);
  const std::string folder =
      token.has_parent_path() ? token.parent_path().string() : std::string(".");
  const std::string prefix = token.filename().string() + kSignlog + ".";
  DIR* dir = ::opendir(folder.c_str());
  if (dir == nullptr) return SystemError("cannot list", folder);
  std::vector<int64_t> generations;
  while (dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string digits = name.substr(prefix.size());
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        digits.size() > 18) {
      continue;  // the fold lock, or not ours
    }
    generations.push_back(std::stoll(digits));
  }
  ::closedir(dir);
  std::sort(generations.begin(), generations.end());
  return generations;
}

JournalFd::~JournalFd() {
  if (fd_ >= 0) ::close(fd_);
}

Result<int> OpenJournalFile(const std::string& path, bool create) {
  const int flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0);
  const int fd = ::open(path.c_str(), flags, 0600);
  if (fd < 0) {
    if (errno == ENOENT && !create) return Status(Code::kNotFound, path + " does not exist");
    return SystemError("cannot open", path);
  }
  return fd;
}

Status LockJournalFile(int fd, const std::string& path) {
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno != EINTR) return SystemError("cannot lock", path);
  }
  return Status::Ok();
}

void UnlockJournalFile(int fd) { ::flock(fd, LOCK_UN); }

Result<int64_t> ReadJournalControl(int fd, const std::string& path) {
  uint8_t bytes[16];
  const ssize_t got = ::pread(fd, bytes, sizeof(bytes), 0);
  if (got < 0) return SystemError("cannot read", path);
  if (got == 0) return int64_t{0};
  if (got != static_cast<ssize_t>(sizeof(bytes)) ||
      std::memcmp(bytes, kControlMagic, sizeof(kControlMagic)) != 0) {
    return Status(Code::kTampered, path + " is not a samp11 journal control file");
  }
  uint64_t generation = 0;
  for (int i = 0; i < 8; ++i) generation |= static_cast<uint64_t>(bytes[8 + i]) << (8 * i);
  return static_cast<int64_t>(generation);
}

Status WriteJournalControl(int fd, const std::string& path, int64_t generation) {
  uint8_t bytes[16];
  std::memcpy(bytes, kControlMagic, sizeof(kControlMagic));
  for (int i = 0; i < 8; ++i) {
    bytes[8 + i] = static_cast<uint8_t>(static_cast<uint64_t>(generation) >> (8 * i));
  }
  // 16 bytes within one page: the write is whole or not at all.
  if (::pwrite(fd, bytes, sizeof(bytes), 0) != static_cast<ssize_t>(sizeof(bytes))) {
    return SystemError("cannot write", path);
  }
  return SyncJournalFile(fd, path);
}

Result<int64_t> ReadJournalRewrites(int fd, const std::string& path) {
  uint8_t bytes[8];
  const ssize_t got = ::pread(fd, bytes, sizeof(bytes), 16);
  if (got < 0) return SystemError("cannot read", path);
  if (got == 0) return int64_t{0};
  if (got != static_cast<ssize_t>(sizeof(bytes))) {
    return Status(Code::kTampered, path + " is not a samp11 journal control file");
  }
  uint64_t rewrites = 0;
  for (int i = 0; i < 8; ++i) rewrites |= static_cast<uint64_t>(bytes[i]) << (8 * i);
  return static_cast<int64_t>(rewrites);
}

Status WriteJournalRewrites(int fd, const std::string& path, int64_t rewrites) {
  uint8_t bytes[8];
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<uint8_t>(static_cast<uint64_t>(rewrites) >> (8 * i));
  }
  // After the generation's 16 bytes, within the same page: whole or not at all.
  if (::pwrite(fd, bytes, sizeof(bytes), 16) != static_cast<ssize_t>(sizeof(bytes))) {
    return SystemError("cannot write", path);
  }
  return SyncJournalFile(fd, path);
}

Result<std::vector<uint8_t>> ReadJournalFrom(int fd, const std::string& path, int64_t offset) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return SystemError("cannot stat", path);
  std::vector<uint8_t> bytes;
  if (st.st_size <= offset) return bytes;
  bytes.resize(static_cast<size_t>(st.st_size - offset));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t got =
        ::pread(fd, bytes.data() + done, bytes.size() - done, offset + static_cast<off_t>(done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return SystemError("cannot read", path);
    if (got == 0) break;  // cut meanwhile: what was read is what there is
    done += static_cast<size_t>(got);
  }
  bytes.resize(done);
  return bytes;
}

Status AppendJournalBytes(int fd, const std::string& path, int64_t former_end,
                          const std::vector<uint8_t>& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t wrote = ::write(fd, data.data() + done, data.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) {
      Status failed = SystemError("cannot append to", path);
      if (::ftruncate(fd, former_end) != 0) {
        return Status(Code::kStorage, failed.message() + "; and cannot cut it back to " +
                                          std::to_string(former_end) + " bytes");
      }
      return failed;
    }
    done += static_cast<size_t>(wrote);
  }
  return Status::Ok();
}

Status SyncJournalFile(int fd, const std::string& path) {
  if (::fdatasync(fd) != 0) return SystemError("cannot sync", path);
  return Status::Ok();
}

Status SyncJournalFolder(const std::string& token_path) {
  const std::filesystem::path token(token_path);
  const std::string folder =
      token.has_parent_path() ? token.parent_path().string() : std::string(".");
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return SystemError("cannot open", folder);
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return SystemError("cannot sync", folder);
  return Status::Ok();
}

}  // namespace samp11
