#pragma once

#include "common/bytes.h"
#include "common/status.h"

namespace samp11 {

// OpenSSL's DRBG; fails only if the DRBG cannot seed.
Status RandomFill(uint8_t* out, size_t size);
Result<Bytes> RandomBytes(size_t size);

}  // namespace samp11
