// The image of an in-memory state (MaintenanceStore::Snapshot, StateLocation::Stage): every row
// of every table, canonically encoded, after a magic of its own, so that a SQLite image (or any
// other bytes) is told apart from it at once.
//
// Layout: the 20 bytes of kMemoryImageMagic, then the format version and each table in a fixed
// order (memory_image.cc), every integer 8 bytes big-endian, every string and byte string its
// length (8 bytes) and its bytes, each table its row count and its rows, nothing after the last.
#pragma once

#include <cstdint>

#include "common/bytes.h"
#include "common/status.h"
#include "state/memory/memory_tables.h"

namespace samp11 {

inline constexpr char kMemoryImageMagic[] = "samp11 memory state";  // 20 bytes with its NUL
// Also StateImage::schema_version for a memory state.
inline constexpr int64_t kMemoryImageVersion = 2;

SecureBytes EncodeMemoryImage(const MemoryTables& tables);
// The tables back, indexed. kArgumentsBad for anything EncodeMemoryImage did not make: another
// magic or version, a truncated or overlong image, two rows with one key.
Result<MemoryTables> DecodeMemoryImage(const SecureBytes& image);

}  // namespace samp11
