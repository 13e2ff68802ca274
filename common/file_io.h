// Files written whole and made durable before anyone relies on them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/status.h"

namespace samp11 {

// Writes bytes to a new file (mode 0600; kAlreadyExists if it exists), synced with its folder.
// Nothing is left behind if the write fails.
Status WriteNewFile(const std::string& path, const uint8_t* data, size_t size);

}  // namespace samp11
