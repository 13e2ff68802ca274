#include "keystore/pin_hash.h"

#include "crypto/symmetric.h"

namespace samp11 {

Status CheckPinFormat(std::string_view pin) {
  if (pin.size() < kMinPinLength || pin.size() > kMaxPinLength) {
    return Status(Code::kArgumentsBad, "a PIN must be 4 to 64 characters");
  }
  for (char c : pin) {
    // No ':' because C_Login takes "NAME:PIN" as well as a bare PIN.
    if (c < 0x20 || c > 0x7e || c == ':') {
      return Status(Code::kArgumentsBad,
                    "a PIN may only hold printable ASCII characters other than ':'");
    }
  }
  return Status::Ok();
}

Result<SecureBytes> PinHashKey(const SecureBytes& mac_key) {
  return HkdfSha256(mac_key, "samp11 v1 pin-hash", 32);
}

Result<Bytes> HashPin(const SecureBytes& pin_key, std::string_view pin, const Bytes& salt) {
  if (salt.size() != kPinSaltBytes) return Status(Code::kInternal, "a PIN salt must be 16 bytes");
  SAMP11_ASSIGN_OR_RETURN(SecureBytes stretched, ScryptKey(pin, salt));
  return HmacSha256(pin_key, stretched.data(), stretched.size());
}

}  // namespace samp11
