#include "common/canonical_encoding.h"

namespace samp11 {

CanonicalEncoder& CanonicalEncoder::Add(std::string_view field) {
  AddRaw(reinterpret_cast<const uint8_t*>(field.data()), field.size());
  return *this;
}

CanonicalEncoder& CanonicalEncoder::Add(const Bytes& field) {
  AddRaw(field.data(), field.size());
  return *this;
}

CanonicalEncoder& CanonicalEncoder::AddDecimal(int64_t value) { return Add(std::to_string(value)); }

void CanonicalEncoder::AddRaw(const uint8_t* data, size_t size) {
  uint64_t length = size;
  for (int shift = 56; shift >= 0; shift -= 8) {
    out_.push_back(static_cast<uint8_t>(length >> shift));
  }
  if (size > 0) out_.insert(out_.end(), data, data + size);
}

std::optional<std::vector<Bytes>> CanonicalDecode(const uint8_t* data, size_t size) {
  std::vector<Bytes> fields;
  size_t at = 0;
  while (at < size) {
    if (size - at < 8) return std::nullopt;
    uint64_t length = 0;
    for (int i = 0; i < 8; ++i) length = (length << 8) | data[at + i];
    at += 8;
    if (length > size - at) return std::nullopt;
    fields.emplace_back(data + at, data + at + length);
    at += length;
  }
  return fields;
}

}  // namespace samp11
