// Byte strings, secret byte strings, and the text encodings samp11 speaks (hex, base64, base64url).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace samp11 {

using Bytes = std::vector<uint8_t>;

// Holds secret material; wiped with OPENSSL_cleanse when destroyed or cleared. Not copyable, so
// a secret is never duplicated by accident.
class SecureBytes {
 public:
  SecureBytes() = default;
  explicit SecureBytes(size_t size) : data_(size) {}
  SecureBytes(const uint8_t* data, size_t size) : data_(data, data + size) {}
  ~SecureBytes() { Wipe(); }
  SecureBytes(const SecureBytes&) = delete;
  SecureBytes& operator=(const SecureBytes&) = delete;
  SecureBytes(SecureBytes&& other) noexcept : data_(std::move(other.data_)) { other.data_.clear(); }
  SecureBytes& operator=(SecureBytes&& other) noexcept;

  uint8_t* data() { return data_.data(); }
  const uint8_t* data() const { return data_.data(); }
  size_t size() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  void resize(size_t n);  // wipes the old buffer if it moves
  void Wipe();

 private:
  std::vector<uint8_t> data_;
};

Bytes ToBytes(std::string_view s);
std::string ToString(const Bytes& b);

std::string HexEncode(const uint8_t* data, size_t size);
inline std::string HexEncode(const Bytes& b) { return HexEncode(b.data(), b.size()); }
// Accepts upper or lower case; rejects odd length and non-hex characters.
std::optional<Bytes> HexDecode(std::string_view hex);

std::string Base64Encode(const uint8_t* data, size_t size);  // RFC 4648 section 4, padded
inline std::string Base64Encode(const Bytes& b) { return Base64Encode(b.data(), b.size()); }
std::string Base64UrlEncode(const uint8_t* data, size_t size);  // RFC 4648 section 5, no padding
inline std::string Base64UrlEncode(const Bytes& b) { return Base64UrlEncode(b.data(), b.size()); }
inline std::string Base64UrlEncode(std::string_view s) {
  return Base64UrlEncode(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
// Strict: canonical padding required, no whitespace, no characters outside the alphabet.
std::optional<Bytes> Base64Decode(std::string_view text);
// Strict: no padding, no whitespace, unused trailing bits must be zero.
std::optional<Bytes> Base64UrlDecode(std::string_view text);

// Constant-time comparison for secrets and MACs (length is not secret).
bool ConstantTimeEqual(const uint8_t* a, size_t a_len, const uint8_t* b, size_t b_len);
inline bool ConstantTimeEqual(const Bytes& a, const Bytes& b) {
  return ConstantTimeEqual(a.data(), a.size(), b.data(), b.size());
}

}  // namespace samp11
