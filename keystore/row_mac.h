// HMAC-SHA256 over a row's canonical encoding (aad.h), and its constant-time check.
#pragma once

#include <string>

#include "common/bytes.h"
#include "common/status.h"

namespace samp11 {

Result<Bytes> RowMac(const SecureBytes& mac_key, const Bytes& input);
// kTampered "<row> failed its integrity check" unless mac is the MAC of input.
Status VerifyRowMac(const SecureBytes& mac_key, const Bytes& input, const Bytes& mac,
                    const std::string& row);

}  // namespace samp11
