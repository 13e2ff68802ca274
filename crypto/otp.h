// One-time passwords: HOTP (RFC 4226) and TOTP (RFC 6238), the codes of authenticator apps and
// OATH tokens. The HMAC is OpenSSL's (EVP_MAC); the secret is the caller's and never copied.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"

namespace samp11 {

enum class OtpHash { kSha1, kSha256, kSha512 };

// "SHA1", "SHA256", "SHA512" (the names of otpauth URIs and OCRA suites).
std::optional<OtpHash> ParseOtpHash(std::string_view name);
const char* OtpHashName(OtpHash hash);
// The HMAC's output length, and the secret length samp11 makes for it (RFC 4226 section 4
// asks for at least 128 bits; RFC 6238's test keys are the hash's length).
size_t OtpHashSize(OtpHash hash);

// The hash of data (OCRA's PIN hash, which may be SHA-1).
Result<Bytes> OtpDigest(OtpHash hash, const uint8_t* data, size_t size);

// HMAC(key, message) with the hash, through EVP_MAC.
Result<SecureBytes> OtpHmac(OtpHash hash, const SecureBytes& key, const Bytes& message);

// RFC 4226 section 5.3's dynamic truncation of an HMAC, as `digits` decimal digits (4..10:
// OCRA allows 4; TOTP enrolment takes 6 or 8).
Result<std::string> TruncateOtp(const SecureBytes& mac, int digits);

// HOTP(key, counter) with the counter as 8 big-endian bytes.
Result<std::string> Hotp(OtpHash hash, const SecureBytes& key, uint64_t counter, int digits);

// The TOTP time step of a Unix time: floor(time / period), for time >= 0 and period >= 1.
int64_t TotpStep(int64_t unix_time, int64_t period);
// TOTP = HOTP over the time step (RFC 6238 section 4).
Result<std::string> Totp(OtpHash hash, const SecureBytes& key, int64_t step, int digits);

// RFC 4648 section 6 base32, upper case, without padding (the form otpauth URIs carry).
std::string Base32Encode(const uint8_t* data, size_t size);

}  // namespace samp11
