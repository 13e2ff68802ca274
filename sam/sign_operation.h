// One signing operation of one session: key, mechanism and activation state together.
// Lifecycle: Begin (C_SignInit) -> ContextLogin* -> Update* -> Finish (C_Sign/C_SignFinal).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "sam/sam.h"

namespace samp11 {

class SignOperation {
 public:
  // The key must exist and fit the mechanism. cancel (may be null) ends a wait for the signer's
  // device at Finish: the ABI fires it from C_CloseSession, C_SessionCancel and C_Finalize.
  static Result<std::unique_ptr<SignOperation>> Begin(
      Sam& sam, int64_t key_handle, const MechanismSpec& spec,
      std::shared_ptr<CancelSignal> cancel = nullptr);

  // A SAD per operation (CKA_ALWAYS_AUTHENTICATE): SCAL2 keys. SCAL1 keys are activated by their
  // owner's PIN login instead, and take no context login.
  bool needs_activation() const { return key_.scal >= 2; }
  size_t signature_length() const { return mechanism_->signature_length(); }
  const KeyInfo& key() const { return key_; }
  const Activation& activation() const { return activation_; }

  // C_Login(CKU_CONTEXT_SPECIFIC, sad): verifies the SAD and that it is about this key. On a
  // refusal the operation is left as it was, so the caller may retry with another SAD.
  Status ContextLogin(std::string_view sad_text);
  Status Update(const uint8_t* data, size_t size);
  // Checks the data, then asks the SAM to sign. login is the application's user login
  // (C_Login(CKU_USER)), or nullptr: its SAD is used when no context login happened, its PIN
  // activation for a SCAL1 key. The operation is over after this, whatever the result (PKCS#11:
  // a C_Sign that is not a length query ends the operation).
  Result<Bytes> Finish(const UserLogin& login);

 private:
  SignOperation(Sam& sam, KeyInfo key, std::unique_ptr<SignMechanism> mechanism,
                std::shared_ptr<CancelSignal> cancel);

  Sam& sam_;
  KeyInfo key_;
  std::unique_ptr<SignMechanism> mechanism_;
  std::shared_ptr<CancelSignal> cancel_;
  Activation activation_;
};

}  // namespace samp11
