// HOTP/TOTP and OCRA codes for the tests, computed apart from samp11's crypto/otp.cc and
// crypto/ocra.cc (OpenSSL's one-shot HMAC, the RFCs' steps written again), so that a test never
// checks samp11's code against itself.
#pragma once

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdint>
#include <string>

#include "common/bytes.h"

namespace samp11::testing {

inline const EVP_MD* OtpMd(const std::string& name) {
  if (name == "SHA256") return EVP_sha256();
  if (name == "SHA512") return EVP_sha512();
  return EVP_sha1();
}

// RFC 4226 section 5.3: the last nibble picks 4 bytes, top bit cleared, modulo 10^digits.
inline std::string TruncatedCode(const unsigned char* mac, unsigned int size, int digits) {
  const int offset = mac[size - 1] & 0x0f;
  const uint32_t binary = (uint32_t(mac[offset] & 0x7f) << 24) | (uint32_t(mac[offset + 1]) << 16) |
                          (uint32_t(mac[offset + 2]) << 8) | uint32_t(mac[offset + 3]);
  uint32_t modulus = 1;
  for (int i = 0; i < digits; ++i) modulus *= 10;
  std::string code = std::to_string(binary % modulus);
  return std::string(static_cast<size_t>(digits) - code.size(), '0') + code;
}

inline std::string HmacCode(const std::string& alg, const uint8_t* key, size_t key_size,
                            const Bytes& message, int digits) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(OtpMd(alg), key, static_cast<int>(key_size), message.data(), message.size(), mac, &size);
  return TruncatedCode(mac, size, digits);
}

inline void PutBigEndian(Bytes& out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(value >> shift));
}

// TOTP (RFC 6238) at unix time `at`.
inline std::string TestTotp(const std::string& alg, const uint8_t* key, size_t key_size, int64_t at,
                            int64_t period, int digits) {
  Bytes counter;
  PutBigEndian(counter, static_cast<uint64_t>(at / period));
  return HmacCode(alg, key, key_size, counter, digits);
}

// OCRA (RFC 6287 section 5) for a suite "OCRA-1:HOTP-<alg>-<digits>:QH<nn>[-T<step>]" over a
// hex challenge; time_steps only when the suite has T.
inline std::string TestOcra(const std::string& suite, const std::string& alg, int digits,
                            const uint8_t* key, size_t key_size, std::string hex_challenge,
                            bool timed = false, uint64_t time_steps = 0) {
  Bytes message(suite.begin(), suite.end());
  message.push_back(0);
  hex_challenge.resize(256, '0');
  Bytes question = *HexDecode(hex_challenge);
  message.insert(message.end(), question.begin(), question.end());
  if (timed) PutBigEndian(message, time_steps);
  return HmacCode(alg, key, key_size, message, digits);
}

}  // namespace samp11::testing
