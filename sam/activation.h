// A verified SAD and the activation state of one signing operation, explicit (as Kryoptic keeps a
// session operation's login requirement): awaiting SAD -> SAD accepted -> signature made (spent).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "keystore/keystore.h"
#include "sad/sad.h"
#include "sam/scal1.h"

namespace samp11 {

// A SAD whose signature, audience, time and signer were checked by Sam::VerifySad.
struct VerifiedSad {
  ParsedSad sad;
  ActivationKey issuer;  // the key that signed it (the signer's device or an authorization server)
  // An OCRA SAD (sad/ocra_sad.h), verified by recomputing its response (sam/ocra_activation.cc):
  // sad then holds the claims it stands for (kid "ocra:SIGNER", no signature) and issuer is
  // empty; ocra_enrolment names the signer's OCRA enrolment that checked it.
  bool ocra = false;
  Bytes ocra_enrolment;
  const std::string& signer() const { return sad.claims.sub; }
};

// What C_Login(CKU_USER) left on the token: a SAD (it activates the SCAL2 signatures it binds), a
// PIN activation (it activates its signer's SCAL1 keys), or neither.
struct UserLogin {
  UserLogin() = default;
  UserLogin(std::nullptr_t) {}  // NOLINT: implicit on purpose, "no user login"
  UserLogin(std::shared_ptr<const VerifiedSad> s) : sad(std::move(s)) {}  // NOLINT: implicit
  UserLogin(std::shared_ptr<const VerifiedSad> s, std::shared_ptr<PinActivation> p)
      : sad(std::move(s)), pin(std::move(p)) {}

  // The signer logged in, or null when there is no user login of either kind.
  const std::string* signer() const {
    if (sad != nullptr) return &sad->signer();
    if (pin != nullptr) return &pin->signer();
    return nullptr;
  }

  std::shared_ptr<const VerifiedSad> sad;
  std::shared_ptr<PinActivation> pin;
};

// kSignerRequest: the SAM asked the signer's device at C_Sign (sam/ask_signer.cc).
enum class ActivationSource { kNone, kContextLogin, kUserLogin, kDeposit, kSignerRequest };
const char* ActivationSourceName(ActivationSource source);

class Activation {
 public:
  enum class State { kAwaitingSad, kSadAccepted, kSpent };

  State state() const { return state_; }
  ActivationSource source() const { return source_; }
  const std::shared_ptr<const VerifiedSad>& sad() const { return sad_; }

  void Accept(std::shared_ptr<const VerifiedSad> sad, ActivationSource source);
  // A SCAL1 key's activation: its owner's PIN login. Apart from the SAD states above, which it
  // never changes: a PIN never activates a SCAL2 key.
  void AcceptPin(std::shared_ptr<PinActivation> pin) { pin_ = std::move(pin); }
  const std::shared_ptr<PinActivation>& pin() const { return pin_; }
  void MarkSpent() { state_ = State::kSpent; }
  // e.g. "sad-accepted via context-login (signer=alice jti=... kid=...)": no secrets.
  std::string Describe() const;

 private:
  State state_ = State::kAwaitingSad;
  ActivationSource source_ = ActivationSource::kNone;
  std::shared_ptr<const VerifiedSad> sad_;
  std::shared_ptr<PinActivation> pin_;
};

}  // namespace samp11
