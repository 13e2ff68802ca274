// Signers' PINs (pins.h): a signer's PIN activates that signer's SCAL1 keys, never SCAL2 ones.
#pragma once

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
  Result<PinCheck> CheckSignerPin(const std::string& signer, std::string_view pin, int max_tries);
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
