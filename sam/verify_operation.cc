#include "sam/verify_operation.h"

#include "crypto/keys.h"

namespace samp11 {

VerifyOperation::VerifyOperation(SharedPkey public_key, std::unique_ptr<SignMechanism> mechanism)
    : public_key_(std::move(public_key)), mechanism_(std::move(mechanism)) {}

Result<std::unique_ptr<VerifyOperation>> VerifyOperation::Begin(Sam& sam, int64_t key_handle,
                                                                const MechanismSpec& spec) {
  SAMP11_ASSIGN_OR_RETURN(std::optional<KeyInfo> key,
                          sam.keystore().keys().FindKeyByHandle(key_handle));
  if (!key) return Status(Code::kNotFound, "no key with handle " + std::to_string(key_handle));
  SAMP11_ASSIGN_OR_RETURN(EvpPkeyPtr public_key, PublicKeyFromSpki(key->public_spki));
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<SignMechanism> mechanism,
                          SignMechanism::Create(spec, key->type));
  return std::unique_ptr<VerifyOperation>(
      new VerifyOperation(Share(std::move(public_key)), std::move(mechanism)));
}

Status VerifyOperation::Update(const uint8_t* data, size_t size) {
  return mechanism_->Update(data, size);
}

Status VerifyOperation::Finish(const Bytes& signature) {
  SAMP11_RETURN_IF_ERROR(mechanism_->Finish());
  return mechanism_->Verify(public_key_.get(), signature);
}

}  // namespace samp11
