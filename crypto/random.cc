#include "crypto/random.h"

#include <openssl/rand.h>

#include <climits>

#include "crypto/ossl.h"

namespace samp11 {

Status RandomFill(uint8_t* out, size_t size) {
  // RAND_bytes takes an int; fill large requests in chunks rather than truncate silently.
  while (size > 0) {
    size_t chunk = size > size_t(INT_MAX) ? size_t(INT_MAX) : size;
    if (RAND_bytes_ex(LibCtx(), out, chunk, 0) != 1) return OpenSslError("RAND_bytes");
    out += chunk;
    size -= chunk;
  }
  return Status::Ok();
}

Result<Bytes> RandomBytes(size_t size) {
  Bytes out(size);
  SAMP11_RETURN_IF_ERROR(RandomFill(out.data(), out.size()));
  return out;
}

}  // namespace samp11
