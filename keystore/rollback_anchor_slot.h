// One stored value of a rollback anchor (rollback_anchor.h), the same wherever it is kept (a slot
// of the anchor file, a data object of the inner token): 128 bytes,
//
//   "samp11 anchor v1" | generation (8, big-endian) | seq (8) | chain (32) | SHA-256(identity)
//   | SHA-256 of the 96 bytes before it
//
// Of several values, the one with the highest generation that checks out is the anchor; a write
// raises the generation. Generations, not seqs, order them, because `samp11 audit
// accept-rollback` moves the anchor back on purpose.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "keystore/rollback_anchor.h"

namespace samp11 {

inline constexpr size_t kAnchorSlotSize = 128;

struct AnchorSlot {
  uint64_t generation = 0;
  AnchorPoint point;
  Bytes identity_hash;
};

Bytes AnchorIdentityHash(const std::string& identity);
// kInternal for a point that is not a seq and a 32-byte chain.
Result<Bytes> EncodeAnchorSlot(uint64_t generation, const AnchorPoint& point,
                               const Bytes& identity_hash);
// None for bytes that are not a whole, intact slot (blank, torn, something else).
std::optional<AnchorSlot> DecodeAnchorSlot(const uint8_t* data, size_t size);

// The highest generation among values that check out (0: none), whoever's they are: what a reset
// of the anchor must go past.
uint64_t HighestAnchorGeneration(const std::vector<Bytes>& values);
// The anchor among values as stored at where: none when nothing was ever written (no value, or
// only blank ones); kTampered, naming where, when something was written but no value checks out,
// or the best one is another token's. *index: the best value's position.
Result<std::optional<AnchorSlot>> BestAnchorSlot(const std::vector<Bytes>& values,
                                                 const Bytes& identity_hash,
                                                 const std::string& where, size_t* index);

}  // namespace samp11
