#include "sam/sign_operation.h"

#include "common/log.h"

namespace samp11 {

SignOperation::SignOperation(Sam& sam, KeyInfo key, std::unique_ptr<SignMechanism> mechanism,
                             std::shared_ptr<CancelSignal> cancel)
    : sam_(sam),
      key_(std::move(key)),
      mechanism_(std::move(mechanism)),
      cancel_(std::move(cancel)) {}

Result<std::unique_ptr<SignOperation>> SignOperation::Begin(Sam& sam, int64_t key_handle,
                                                            const MechanismSpec& spec,
                                                            std::shared_ptr<CancelSignal> cancel) {
  SAMP11_ASSIGN_OR_RETURN(std::optional<KeyInfo> key, sam.FindKeyAudited(key_handle));
  if (!key) return Status(Code::kNotFound, "no key with handle " + std::to_string(key_handle));
  // A key that may not sign now (disabled, its signer disabled, no valid certificate) is told at
  // once, as CKR_KEY_FUNCTION_NOT_PERMITTED, and recorded: C_Sign checks again.
  SAMP11_RETURN_IF_ERROR(sam.CheckKeyUsableAudited(*key));
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<SignMechanism> mechanism,
                          SignMechanism::Create(spec, key->type));
  return std::unique_ptr<SignOperation>(
      new SignOperation(sam, std::move(*key), std::move(mechanism), std::move(cancel)));
}

Status SignOperation::ContextLogin(std::string_view sad_text) {
  if (std::optional<Status> repeat =
          sam_.RepeatedLogin(audit_event::kLoginContext, sad_text, &key_)) {
    return *repeat;
  }
  Result<std::shared_ptr<const VerifiedSad>> verified = sam_.VerifySad(sad_text);
  Status result = verified.status();
  // The key as C_SignInit found it, unless its row has changed since: a SAD is never judged
  // against an edited owner or SCAL (that is the keystore's fault, not the SAD's).
  if (result.ok()) result = sam_.CheckKeyUnchanged(key_);
  if (result.ok()) result = sam_.CheckSadForKey(**verified, key_);
  sam_.RememberRefusedLogin(audit_event::kLoginContext, sad_text, &key_, result);
  SAMP11_RETURN_IF_ERROR(sam_.AuditSadDecision(audit_event::kLoginContext, sad_text,
                                               verified.ok() ? verified->get() : nullptr, &key_,
                                               result));
  std::shared_ptr<const VerifiedSad> sad = std::move(verified).value();
  activation_.Accept(std::move(sad), ActivationSource::kContextLogin);
  return Status::Ok();
}

Status SignOperation::Update(const uint8_t* data, size_t size) {
  return mechanism_->Update(data, size);
}

Result<Bytes> SignOperation::Finish(const UserLogin& login) {
  SAMP11_RETURN_IF_ERROR(mechanism_->Finish());
  if (activation_.state() == Activation::State::kAwaitingSad && login.sad) {
    activation_.Accept(login.sad, ActivationSource::kUserLogin);
  }
  // Offered whatever the key: the SAM uses it for an (authenticated) SCAL1 key only.
  if (login.pin) activation_.AcceptPin(login.pin);
  SignContext context;
  context.cancel = cancel_.get();
  return sam_.Sign(key_.handle, *mechanism_, activation_, context);
}

}  // namespace samp11
