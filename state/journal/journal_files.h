// The signature journal's files beside a token file P (docs/keystore.md):
//   P-signlog            the control file: which segment is current; appends lock it (flock)
//   P-signlog.fold       locked (flock) by whoever folds segments into the token file
//   P-signlog.NNNNNNNN   the segments, by generation
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace samp11 {

std::string JournalControlPath(const std::string& token_path);
std::string JournalFoldLockPath(const std::string& token_path);
std::string JournalSegmentPath(const std::string& token_path, int64_t generation);

// The generations of the segments beside token_path, ascending.
Result<std::vector<int64_t>> ListJournalSegments(const std::string& token_path);

// An open file, closed when the last owner lets it go.
class JournalFd {
 public:
  explicit JournalFd(int fd) : fd_(fd) {}
  // Where the last append made by this process ended: a sync that starts later covers it.
  std::atomic<int64_t> appended_end{0};
  ~JournalFd();
  JournalFd(const JournalFd&) = delete;
  JournalFd& operator=(const JournalFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Opens (creating, 0600) a lock or control file. kStorage naming the path on failure.
Result<int> OpenJournalFile(const std::string& path, bool create);
// flock that retries on EINTR; kStorage on failure.
Status LockJournalFile(int fd, const std::string& path);
void UnlockJournalFile(int fd);

// The control file holds the current generation (0 when the file is new or empty).
Result<int64_t> ReadJournalControl(int fd, const std::string& path);
Status WriteJournalControl(int fd, const std::string& path, int64_t generation);
// Beside the generation, how many times the audit log was rewritten under a fold of everything
// (a restore, a master-key rotation: FileJournal::FoldAllThen): a process that sees it move
// knows the tail it last read is gone, and takes the next segment's base as its tail. 0 when the
// file is new or older than the count (its 16 bytes hold only the generation).
Result<int64_t> ReadJournalRewrites(int fd, const std::string& path);
Status WriteJournalRewrites(int fd, const std::string& path, int64_t rewrites);

// Reads the whole of [offset, end of file). kStorage on a read error.
Result<std::vector<uint8_t>> ReadJournalFrom(int fd, const std::string& path, int64_t offset);
// Writes all of data at the end of the file (O_APPEND); on a failure the file is cut back to
// its former end, so that no partial frame stays.
Status AppendJournalBytes(int fd, const std::string& path, int64_t former_end,
                          const std::vector<uint8_t>& data);
// fdatasync, kStorage naming the path on failure.
Status SyncJournalFile(int fd, const std::string& path);
// fsync of the folder holding token_path: a created, renamed or removed segment is durable.
Status SyncJournalFolder(const std::string& token_path);

}  // namespace samp11
