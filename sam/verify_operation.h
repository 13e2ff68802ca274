// C_VerifyInit .. C_Verify: public-key verification with the same mechanism classes as signing.
// No activation is needed to verify.
#pragma once

#include <memory>

#include "sam/sam.h"

namespace samp11 {

class VerifyOperation {
 public:
  static Result<std::unique_ptr<VerifyOperation>> Begin(Sam& sam, int64_t key_handle,
                                                        const MechanismSpec& spec);
  size_t signature_length() const { return mechanism_->signature_length(); }
  Status Update(const uint8_t* data, size_t size);
  // kSignatureInvalid or kSignatureLenRange on failure. Ends the operation.
  Status Finish(const Bytes& signature);

 private:
  VerifyOperation(SharedPkey public_key, std::unique_ptr<SignMechanism> mechanism);
  SharedPkey public_key_;
  std::unique_ptr<SignMechanism> mechanism_;
};

}  // namespace samp11
