#include "pkcs11/login_pin.h"

#include <string_view>

#include "common/log.h"
#include "sam/scal1.h"

namespace samp11::p11 {

bool IsPinLogin(CK_UTF8CHAR_PTR pin, CK_ULONG len) {
  if (pin == nullptr || len == 0) return false;
  return !LooksLikeSad(std::string_view(reinterpret_cast<const char*>(pin), len));
}

Rv LoginUserPin(SessionRef& s, CK_UTF8CHAR_PTR pin, CK_ULONG len) {
  if (len > kMaxPinLoginLength) {
    return Rv(CKR_PIN_LEN_RANGE, "a PIN login is at most " + std::to_string(kMaxPinLoginLength) +
                                     " bytes (NAME:PIN:CODE)");
  }
  // Read in place from the application's buffer: the PIN is never copied, logged or echoed.
  const std::string_view value(reinterpret_cast<const char*>(pin), len);
  P11_ASSIGN_OR_RETURN(std::shared_ptr<PinActivation> activation,
                       FromResult(s.token().sam().PinLogin(value), CKR_PIN_INCORRECT));
  const std::string signer = activation->signer();
  if (!s.slot().SetUserPin(std::move(activation))) {
    return Rv(CKR_USER_ALREADY_LOGGED_IN, "another session logged in meanwhile");
  }
  SAMP11_LOG(kInfo, "token '" << s.token().label() << "': user login with the PIN of '" << signer
                              << "' (SCAL1 keys)");
  return CKR_OK;
}

}  // namespace samp11::p11
