// What the keystore tells about a signer's PIN: the result of one check, and the token-wide state
// that PKCS#11 shows as CKF_USER_PIN_* flags. A PIN activates only its signer's SCAL1 keys.
#pragma once

namespace samp11 {

struct PinCheck {
  enum Result { kOk, kIncorrect, kLocked, kNoPin };
  Result result = kNoPin;
  // Tries left before the PIN locks: max_tries after a correct PIN, 0 when locked.
  int remaining = 0;
};

// The worst state over every signer that has a PIN.
struct PinState {
  bool count_low = false;  // some PIN has had a wrong try since it was last right
  bool final_try = false;  // some PIN has one try left
  bool locked = false;     // some PIN is locked
};

}  // namespace samp11
