#include "sam/gated_signing_key.h"

#include "sam/sign_operation.h"

namespace samp11 {

Result<Bytes> GatedSigningKey::SignThroughGate(const MechanismSpec& spec, const Bytes& data) const {
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<SignOperation> op,
                          SignOperation::Begin(sam_, key_handle_, spec));
  if (!sad_text_.empty() && op->needs_activation()) {
    SAMP11_RETURN_IF_ERROR(op->ContextLogin(sad_text_));
  }
  SAMP11_RETURN_IF_ERROR(op->Update(data.data(), data.size()));
  return op->Finish(login_);
}

Result<Bytes> GatedSigningKey::EcdsaSignHash(const Bytes& hash) const {
  return SignThroughGate({MechanismKind::kEcdsa, HashAlg::kSha256, std::nullopt}, hash);
}

Result<Bytes> GatedSigningKey::RsaPkcs1SignDigestInfo(const Bytes& digest_info) const {
  return SignThroughGate({MechanismKind::kRsaPkcs, HashAlg::kSha256, std::nullopt}, digest_info);
}

Result<Bytes> GatedSigningKey::RsaPssSignHash(const Bytes& hash, const PssParams& params) const {
  return SignThroughGate({MechanismKind::kRsaPss, params.hash, params}, hash);
}

Result<Bytes> GatedSigningKey::Ed25519Sign(const Bytes& message) const {
  return SignThroughGate({MechanismKind::kEddsa, HashAlg::kSha256, std::nullopt}, message);
}

}  // namespace samp11
