// A verified SAD and the activation state of one signing operation, explicit (as Kryoptic keeps a
// session operation's login requirement): awaiting SAD -> SAD accepted -> signature made (spent).
#pragma once

#include <memory>
#include <string>

#include "keystore/keystore.h"
#include "sad/sad.h"

namespace samp11 {

// A SAD whose signature, audience, time and signer were checked by Sam::VerifySad.
struct VerifiedSad {
  ParsedSad sad;
  ActivationKey issuer;  // the key that signed it (the signer's device or an authorization server)
  const std::string& signer() const { return sad.claims.sub; }
};

enum class ActivationSource { kNone, kContextLogin, kUserLogin };
const char* ActivationSourceName(ActivationSource source);

class Activation {
 public:
  enum class State { kAwaitingSad, kSadAccepted, kSpent };

  State state() const { return state_; }
  ActivationSource source() const { return source_; }
  const std::shared_ptr<const VerifiedSad>& sad() const { return sad_; }

  void Accept(std::shared_ptr<const VerifiedSad> sad, ActivationSource source);
  void MarkSpent() { state_ = State::kSpent; }
  // e.g. "sad-accepted via context-login (signer=alice jti=... kid=...)": no secrets.
  std::string Describe() const;

 private:
  State state_ = State::kAwaitingSad;
  ActivationSource source_ = ActivationSource::kNone;
  std::shared_ptr<const VerifiedSad> sad_;
};

}  // namespace samp11
