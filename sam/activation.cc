#include "sam/activation.h"

namespace samp11 {

const char* ActivationSourceName(ActivationSource source) {
  switch (source) {
    case ActivationSource::kNone:
      return "none";
    case ActivationSource::kContextLogin:
      return "context-login";
    case ActivationSource::kUserLogin:
      return "user-login";
    case ActivationSource::kDeposit:
      return "deposit";
    case ActivationSource::kSignerRequest:
      return "signer-request";
  }
  return "?";
}

void Activation::Accept(std::shared_ptr<const VerifiedSad> sad, ActivationSource source) {
  sad_ = std::move(sad);
  source_ = source;
  state_ = State::kSadAccepted;
}

std::string Activation::Describe() const {
  std::string state;
  switch (state_) {
    case State::kAwaitingSad:
      return "awaiting-sad";
    case State::kSadAccepted:
      state = "sad-accepted";
      break;
    case State::kSpent:
      state = "spent";
      break;
  }
  return state + " via " + ActivationSourceName(source_) + " (signer=" + sad_->signer() +
         " kid=" + sad_->sad.kid + " jti=" + sad_->sad.claims.jti + ")";
}

}  // namespace samp11
