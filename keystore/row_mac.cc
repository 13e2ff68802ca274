#include "keystore/row_mac.h"

#include "crypto/symmetric.h"

namespace samp11 {

Result<Bytes> RowMac(const SecureBytes& mac_key, const Bytes& input) {
  return HmacSha256(mac_key, input);
}

Status VerifyRowMac(const SecureBytes& mac_key, const Bytes& input, const Bytes& mac,
                    const std::string& row) {
  SAMP11_ASSIGN_OR_RETURN(Bytes expected, RowMac(mac_key, input));
  if (!ConstantTimeEqual(expected, mac)) {
    return Status(Code::kTampered, row + " failed its integrity check");
  }
  return Status::Ok();
}

}  // namespace samp11
