// The rollback anchor as a small file (rollback_anchor.h): two 128-byte slots, each
//
//   "samp11 anchor v1" | generation (8, big-endian) | seq (8) | chain (32) | SHA-256(identity)
//   | SHA-256 of the 88 bytes before it
//
// The slot with the highest generation that checks out is the anchor; a write goes to the other
// slot and is synced before the lock is let go. Generations, not seqs, order the slots, because
// `samp11 audit accept-rollback` moves the anchor back on purpose.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "crypto/digest.h"
#include "keystore/rollback_anchor.h"

namespace samp11 {

namespace {

constexpr char kMagic[] = "samp11 anchor v1";
constexpr size_t kMagicSize = 16;
constexpr size_t kChainSize = 32;
constexpr size_t kSlotSize = 128;
constexpr size_t kBodySize = kMagicSize + 8 + 8 + kChainSize + 32;  // 96: checksum covers it
constexpr size_t kSlots = 2;

using Slot = std::array<uint8_t, kSlotSize>;

void PutU64(uint8_t* out, uint64_t value) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<uint8_t>(value & 0xff);
    value >>= 8;
  }
}

uint64_t GetU64(const uint8_t* in) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | in[i];
  return value;
}

struct SlotValue {
  uint64_t generation = 0;
  AnchorPoint point;
  Bytes identity_hash;
};

// The slot's value, or none if it is blank or does not check out (never written, or torn).
std::optional<SlotValue> ReadSlot(const Slot& slot) {
  if (std::memcmp(slot.data(), kMagic, kMagicSize) != 0) return std::nullopt;
  Bytes sum = Digest(HashAlg::kSha256, slot.data(), kBodySize);
  if (std::memcmp(sum.data(), slot.data() + kBodySize, sum.size()) != 0) return std::nullopt;
  SlotValue value;
  const uint8_t* at = slot.data() + kMagicSize;
  value.generation = GetU64(at);
  value.point.seq = static_cast<int64_t>(GetU64(at + 8));
  value.point.chain.assign(at + 16, at + 16 + kChainSize);
  value.identity_hash.assign(at + 16 + kChainSize, at + 16 + kChainSize + 32);
  return value;
}

Slot WriteSlot(uint64_t generation, const AnchorPoint& point, const Bytes& identity_hash) {
  Slot slot{};
  std::memcpy(slot.data(), kMagic, kMagicSize);
  uint8_t* at = slot.data() + kMagicSize;
  PutU64(at, generation);
  PutU64(at + 8, static_cast<uint64_t>(point.seq));
  std::memcpy(at + 16, point.chain.data(), kChainSize);
  std::memcpy(at + 16 + kChainSize, identity_hash.data(), identity_hash.size());
  Bytes sum = Digest(HashAlg::kSha256, slot.data(), kBodySize);
  std::memcpy(slot.data() + kBodySize, sum.data(), sum.size());
  return slot;
}

class RollbackAnchorFile : public RollbackAnchor {
 public:
  RollbackAnchorFile(std::string path, const std::string& identity)
      : path_(std::move(path)),
        identity_hash_(Digest(HashAlg::kSha256, reinterpret_cast<const uint8_t*>(identity.data()),
                              identity.size())) {}
  ~RollbackAnchorFile() override {
    if (fd_ >= 0) close(fd_);
  }

  Status Advance(const Update& update) override {
    // flock excludes other processes; threads of this one share the descriptor, so they take turns
    // here first.
    std::lock_guard<std::mutex> lock(mu_);
    SAMP11_RETURN_IF_ERROR(OpenCurrent());
    if (flock(fd_, LOCK_EX) != 0) return Failed("lock");
    Status status = AdvanceLocked(update);
    flock(fd_, LOCK_UN);
    return status;
  }

  Status Reset(const AnchorPoint& point) override {
    std::lock_guard<std::mutex> lock(mu_);
    SAMP11_RETURN_IF_ERROR(OpenCurrent());
    if (flock(fd_, LOCK_EX) != 0) return Failed("lock");
    Status status = ResetLocked(point);
    flock(fd_, LOCK_UN);
    return status;
  }

  std::string Describe() const override { return "file " + path_; }

 private:
  Status Failed(const std::string& what) const {
    return Status(Code::kStorage,
                  "cannot " + what + " the rollback anchor " + path_ + ": " + std::strerror(errno));
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

  // The valid slot with the highest generation, and its index; none on a fresh file.
  struct Found {
    std::optional<SlotValue> best;
    size_t index = kSlots - 1;  // so that a fresh file's first write goes to slot 0
    size_t bytes = 0;
  };
  Result<Found> ReadSlots() {
    std::array<Slot, kSlots> slots{};
    ssize_t got = pread(fd_, slots.data(), sizeof(slots), 0);
    if (got < 0) return Failed("read");
    Found found;
    found.bytes = static_cast<size_t>(got);
    for (size_t i = 0; i < kSlots; ++i) {
      if (found.bytes < (i + 1) * kSlotSize) break;
      std::optional<SlotValue> value = ReadSlot(slots[i]);
      if (value && (!found.best || value->generation > found.best->generation)) {
        found.best = std::move(value);
        found.index = i;
      }
    }
    return found;
  }

  Status WriteAt(size_t index, const Slot& slot) {
    ssize_t put = pwrite(fd_, slot.data(), slot.size(), static_cast<off_t>(index * kSlotSize));
    if (put != static_cast<ssize_t>(slot.size())) {
      if (put >= 0) errno = EIO;
      return Failed("write");
    }
    return Status::Ok();
  }

  Status ResetLocked(const AnchorPoint& point) {
    if (point.chain.size() != kChainSize || point.seq < 0) {
      return Status(Code::kInternal, "a rollback anchor point is a seq and a 32-byte chain");
    }
    SAMP11_ASSIGN_OR_RETURN(Found found, ReadSlots());
    const uint64_t generation = found.best ? found.best->generation + 1 : 1;
    SAMP11_RETURN_IF_ERROR(WriteAt(0, WriteSlot(generation, point, identity_hash_)));
    SAMP11_RETURN_IF_ERROR(WriteAt(1, Slot{}));
    if (ftruncate(fd_, static_cast<off_t>(kSlots * kSlotSize)) != 0) return Failed("truncate");
    if (fdatasync(fd_) != 0) return Failed("sync");
    return Status::Ok();
  }

  Status AdvanceLocked(const Update& update) {
    SAMP11_ASSIGN_OR_RETURN(Found found, ReadSlots());
    std::optional<SlotValue>& best = found.best;
    const size_t best_index = found.index;
    const size_t got = found.bytes;
    if (!best && got > 0) {
      return Status(Code::kTampered, "the rollback anchor " + path_ +
                                         " holds no readable anchor (not written by samp11)");
    }
    if (best && best->identity_hash != identity_hash_) {
      return Status(Code::kTampered, "the rollback anchor " + path_ + " belongs to another token");
    }
    std::optional<AnchorPoint> stored;
    if (best) stored = best->point;
    SAMP11_ASSIGN_OR_RETURN(std::optional<AnchorPoint> next, update(stored));
    if (!next) return Status::Ok();
    if (next->chain.size() != kChainSize || next->seq < 0) {
      return Status(Code::kInternal, "a rollback anchor point is a seq and a 32-byte chain");
    }
    const uint64_t generation = best ? best->generation + 1 : 1;
    const size_t index = (best_index + 1) % kSlots;
    SAMP11_RETURN_IF_ERROR(WriteAt(index, WriteSlot(generation, *next, identity_hash_)));
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
