// The rollback anchor as a small file (rollback_anchor.h): two slots (rollback_anchor_slot.h),
// written in turn, each synced before the lock is let go. A write torn by a power loss leaves the
// other slot, an older but true point.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <vector>

#include "keystore/rollback_anchor.h"
#include "keystore/rollback_anchor_slot.h"

namespace samp11 {

namespace {

constexpr size_t kSlots = 2;

class RollbackAnchorFile : public RollbackAnchor {
 public:
  RollbackAnchorFile(std::string path, const std::string& identity)
      : path_(std::move(path)), identity_hash_(AnchorIdentityHash(identity)) {}
  ~RollbackAnchorFile() override {
    if (fd_ >= 0) close(fd_);
  }

  Status Advance(const Update& update) override {
    return Locked([&] { return AdvanceLocked(update); });
  }
  Status Reset(const AnchorPoint& point) override {
    return Locked([&] { return ResetLocked(point); });
  }
  std::string Describe() const override { return "file " + path_; }

 private:
  Status Failed(const std::string& what) const {
    return Status(Code::kStorage,
                  "cannot " + what + " the rollback anchor " + path_ + ": " + std::strerror(errno));
  }

  // flock excludes other processes; threads of this one share the descriptor, so they take turns
  // on the mutex first.
  template <typename F>
  Status Locked(F work) {
    std::lock_guard<std::mutex> lock(mu_);
    SAMP11_RETURN_IF_ERROR(OpenCurrent());
    if (flock(fd_, LOCK_EX) != 0) return Failed("lock");
    Status status = work();
    flock(fd_, LOCK_UN);
    return status;
  }

  // The descriptor of the file now at path_: a file removed or replaced since it was opened is
  // not written to, the one at the path is (created when there is none).
  Status OpenCurrent() {
    if (fd_ >= 0) {
      struct stat at_path {};
      struct stat held {};
      if (stat(path_.c_str(), &at_path) == 0 && fstat(fd_, &held) == 0 &&
          at_path.st_dev == held.st_dev && at_path.st_ino == held.st_ino) {
        return Status::Ok();
      }
      close(fd_);
      fd_ = -1;
    }
    fd_ = open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd_ < 0) return Failed("open");
    return Status::Ok();
  }

  // The slots as stored: as many whole ones as the file holds (none for a fresh file).
  Result<std::vector<Bytes>> ReadSlots() {
    Bytes all(kSlots * kAnchorSlotSize);
    ssize_t got = pread(fd_, all.data(), all.size(), 0);
    if (got < 0) return Failed("read");
    std::vector<Bytes> slots;
    for (size_t i = 0; (i + 1) * kAnchorSlotSize <= static_cast<size_t>(got); ++i) {
      slots.emplace_back(all.begin() + i * kAnchorSlotSize,
                         all.begin() + (i + 1) * kAnchorSlotSize);
    }
    if (slots.empty() && got > 0) slots.push_back(Bytes(all.begin(), all.begin() + got));
    return slots;
  }

  Status WriteAt(size_t index, const Bytes& slot) {
    ssize_t put =
        pwrite(fd_, slot.data(), slot.size(), static_cast<off_t>(index * kAnchorSlotSize));
    if (put != static_cast<ssize_t>(slot.size())) {
      if (put >= 0) errno = EIO;
      return Failed("write");
    }
    return Status::Ok();
  }

  Status AdvanceLocked(const Update& update) {
    SAMP11_ASSIGN_OR_RETURN(std::vector<Bytes> slots, ReadSlots());
    size_t best_index = kSlots - 1;  // so that a fresh file's first write goes to slot 0
    SAMP11_ASSIGN_OR_RETURN(std::optional<AnchorSlot> best,
                            BestAnchorSlot(slots, identity_hash_, path_, &best_index));
    std::optional<AnchorPoint> stored;
    if (best) stored = best->point;
    SAMP11_ASSIGN_OR_RETURN(std::optional<AnchorPoint> next, update(stored));
    if (!next) return Status::Ok();
    SAMP11_ASSIGN_OR_RETURN(
        Bytes slot, EncodeAnchorSlot(best ? best->generation + 1 : 1, *next, identity_hash_));
    SAMP11_RETURN_IF_ERROR(WriteAt((best_index + 1) % kSlots, slot));
    if (fdatasync(fd_) != 0) return Failed("sync");
    return Status::Ok();
  }

  Status ResetLocked(const AnchorPoint& point) {
    SAMP11_ASSIGN_OR_RETURN(std::vector<Bytes> slots, ReadSlots());
    SAMP11_ASSIGN_OR_RETURN(
        Bytes slot, EncodeAnchorSlot(HighestAnchorGeneration(slots) + 1, point, identity_hash_));
    SAMP11_RETURN_IF_ERROR(WriteAt(0, slot));
    SAMP11_RETURN_IF_ERROR(WriteAt(1, Bytes(kAnchorSlotSize, 0)));
    if (ftruncate(fd_, static_cast<off_t>(kSlots * kAnchorSlotSize)) != 0)
      return Failed("truncate");
    if (fdatasync(fd_) != 0) return Failed("sync");
    return Status::Ok();
  }

  const std::string path_;
  const Bytes identity_hash_;
  std::mutex mu_;
  int fd_ = -1;
};

}  // namespace

std::unique_ptr<RollbackAnchor> MakeRollbackAnchorFile(const std::string& path,
                                                       const std::string& identity) {
  return std::make_unique<RollbackAnchorFile>(path, identity);
}

}  // namespace samp11
