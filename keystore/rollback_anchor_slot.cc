#include "keystore/rollback_anchor_slot.h"

#include <algorithm>
#include <cstring>

#include "crypto/digest.h"

namespace samp11 {

namespace {

constexpr char kMagic[] = "samp11 anchor v1";
constexpr size_t kMagicSize = 16;
constexpr size_t kChainSize = 32;
constexpr size_t kBodySize = kMagicSize + 8 + 8 + kChainSize + 32;  // 96: the checksum covers it

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

}  // namespace

Bytes AnchorIdentityHash(const std::string& identity) {
  return Digest(HashAlg::kSha256, reinterpret_cast<const uint8_t*>(identity.data()),
                identity.size());
}

Result<Bytes> EncodeAnchorSlot(uint64_t generation, const AnchorPoint& point,
                               const Bytes& identity_hash) {
  if (point.chain.size() != kChainSize || point.seq < 0 || identity_hash.size() != 32) {
    return Status(Code::kInternal, "a rollback anchor point is a seq and a 32-byte chain");
  }
  Bytes slot(kAnchorSlotSize, 0);
  std::memcpy(slot.data(), kMagic, kMagicSize);
  uint8_t* at = slot.data() + kMagicSize;
  PutU64(at, generation);
  PutU64(at + 8, static_cast<uint64_t>(point.seq));
  std::memcpy(at + 16, point.chain.data(), kChainSize);
  std::memcpy(at + 16 + kChainSize, identity_hash.data(), identity_hash.size());
  Bytes sum = Digest(HashAlg::kSha256, slot.data(), kBodySize);
  std::memcpy(slot.data() + kBodySize, sum.data(), sum.size());  // to 128
  return slot;
}

std::optional<AnchorSlot> DecodeAnchorSlot(const uint8_t* data, size_t size) {
  if (size != kAnchorSlotSize || std::memcmp(data, kMagic, kMagicSize) != 0) return std::nullopt;
  Bytes sum = Digest(HashAlg::kSha256, data, kBodySize);
  if (std::memcmp(sum.data(), data + kBodySize, sum.size()) != 0) return std::nullopt;
  AnchorSlot slot;
  const uint8_t* at = data + kMagicSize;
  slot.generation = GetU64(at);
  slot.point.seq = static_cast<int64_t>(GetU64(at + 8));
  slot.point.chain.assign(at + 16, at + 16 + kChainSize);
  slot.identity_hash.assign(at + 16 + kChainSize, at + 16 + kChainSize + 32);
  return slot;
}

uint64_t HighestAnchorGeneration(const std::vector<Bytes>& values) {
  uint64_t generation = 0;
  for (const Bytes& value : values) {
    std::optional<AnchorSlot> slot = DecodeAnchorSlot(value.data(), value.size());
    if (slot) generation = std::max(generation, slot->generation);
  }
  return generation;
}

Result<std::optional<AnchorSlot>> BestAnchorSlot(const std::vector<Bytes>& values,
                                                 const Bytes& identity_hash,
                                                 const std::string& where, size_t* index) {
  std::optional<AnchorSlot> best;
  bool written = false;
  for (size_t i = 0; i < values.size(); ++i) {
    const Bytes& value = values[i];
    written = written || std::any_of(value.begin(), value.end(), [](uint8_t b) { return b != 0; });
    std::optional<AnchorSlot> slot = DecodeAnchorSlot(value.data(), value.size());
    if (slot && (!best || slot->generation > best->generation)) {
      best = std::move(slot);
      if (index != nullptr) *index = i;
    }
  }
  if (!best && written) {
    return Status(Code::kTampered, "the rollback anchor " + where +
                                       " holds no readable anchor (not written by samp11)");
  }
  if (best && best->identity_hash != identity_hash) {
    return Status(Code::kTampered, "the rollback anchor " + where + " belongs to another token");
  }
  return best;
}

}  // namespace samp11
