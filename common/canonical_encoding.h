// The canonical encoding of a list of fields, for everything samp11 authenticates or wraps: each
// field is an 8-byte big-endian length followed by its bytes, so no choice of field contents can
// move a boundary ("ab","c" and "a","bc" encode differently). Integers are written as decimal
// text. Bytes already stored in this form (keystore MAC inputs, key references in an inner token)
// must never change, so the form is fixed here, once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/bytes.h"

namespace samp11 {

class CanonicalEncoder {
 public:
  CanonicalEncoder& Add(std::string_view field);
  CanonicalEncoder& Add(const Bytes& field);
  CanonicalEncoder& AddDecimal(int64_t value);
  const Bytes& bytes() const { return out_; }

 private:
  void AddRaw(const uint8_t* data, size_t size);
  Bytes out_;
};

// The fields of an encoding, or nullopt if data is not one (a length runs past the end).
std::optional<std::vector<Bytes>> CanonicalDecode(const uint8_t* data, size_t size);

}  // namespace samp11
