// Signers' PINs (pins.h): a signer's PIN activates that signer's SCAL1 keys, never SCAL2 ones.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "keystore/audit_log.h"
#include "keystore/keystore_context.h"
#include "keystore/pins.h"
#include "keystore/signers.h"

namespace samp11 {

class SignerPins {
 public:
  SignerPins(KeystoreContext& context, AuditLog& audit, Signers& signers)
      : context_(context), audit_(audit), signers_(signers) {}
  SignerPins(const SignerPins&) = delete;
  SignerPins& operator=(const SignerPins&) = delete;

  // Sets or replaces the PIN (4..64 printable ASCII bytes, no ':') and clears its failures.
  // Audited.
  Status SetSignerPin(const std::string& signer, std::string_view pin);
  // kLocked once max_tries wrong PINs came in a row (the PIN is then not even hashed); each try
  // is counted, durably, before the PIN is compared (in constant time). kTampered if the row's
  // MAC fails.
  // second_factor, when given, is asked only once the PIN matched, under the same try: if it
  // answers false the login is kIncorrect and the try stays counted (a wrong one-time code costs
  // a try as a wrong PIN does; a wrong PIN never reaches it, so it never burns a code).
  Result<PinCheck> CheckSignerPin(const std::string& signer, std::string_view pin, int max_tries,
                                  const std::function<Result<bool>()>& second_factor = nullptr);
  Result<std::vector<std::string>> SignersWithPins();
  // The worst state over all signers' PINs, for the token's CKF_USER_PIN_* flags.
  Result<PinState> PinStatus(int max_tries);

 private:
  Status SetSignerPinUnaudited(const std::string& signer, std::string_view pin);

  KeystoreContext& context_;
  AuditLog& audit_;
  Signers& signers_;
};

}  // namespace samp11
