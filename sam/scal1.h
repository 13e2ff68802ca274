// SCAL1 keys (EN 419 241-1 SCAL1, e.g. for electronic seals): activated by their owner's PIN at
// the user login, then usable without a SAD within the key's activation limits (key_policy.h):
// at most max_signatures signatures of the key, and only for max_seconds after the login. SCAL2
// keys are never activated by a PIN.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"
#include "keystore/key_policy.h"
#include "keystore/pin_hash.h"

namespace samp11 {

constexpr size_t kMaxSignerNameLength = 255;
// A TOTP code's longest form (RFC 4226 allows up to 10 digits; samp11 enrols 6 or 8).
constexpr size_t kMaxOtpCodeLength = 10;
// "NAME:PIN:CODE", the longest value a PIN login takes.
constexpr size_t kMaxPinLoginLength =
    kMaxSignerNameLength + 1 + kMaxPinLength + 1 + kMaxOtpCodeLength;

// C_Login(CKU_USER) takes a SAD or a PIN. A value with a SAD's form is a SAD: a JWS (three
// dot-separated parts, the first starting "eyJ", a base64url JSON object) or an OCRA SAD
// ("ocra1.eyJ" and base64url JSON, sad/ocra_sad.h). Anything else is a PIN login: "NAME:PIN",
// "NAME:PIN:CODE" (with the signer's TOTP code) or a bare PIN. A PIN login starts with a name,
// and a bare PIN of one of those two forms cannot be used: samp11 takes it as a SAD.
bool LooksLikeSad(std::string_view value);

// One successful PIN login: whose, since when, and how many signatures each key made under it.
// Shared by every session of the token (the user login is application-wide), so thread-safe.
class PinActivation {
 public:
  PinActivation(std::string signer, int64_t granted_at, bool with_otp)
      : signer_(std::move(signer)), granted_at_(granted_at), with_otp_(with_otp) {}
  PinActivation(const PinActivation&) = delete;
  PinActivation& operator=(const PinActivation&) = delete;

  const std::string& signer() const { return signer_; }
  int64_t granted_at() const { return granted_at_; }
  // Whether the login carried the signer's TOTP code (NAME:PIN:CODE): a key whose policy says
  // require_otp signs only under such a login.
  bool with_otp() const { return with_otp_; }

  // Takes one signature of the key under its limits at time now. kRejected, taking nothing, once
  // max_signatures were made or max_seconds have passed since the login.
  Status TakeSignature(const Bytes& key_id, const ActivationLimits& limits, int64_t now);
  // Gives back a signature taken for a signing that then failed.
  void ReturnSignature(const Bytes& key_id);
  int64_t signatures(const Bytes& key_id) const;

 private:
  const std::string signer_;
  const int64_t granted_at_;
  const bool with_otp_;
  mutable std::mutex mu_;
  std::map<Bytes, int64_t> signatures_;  // guarded by mu_
};

}  // namespace samp11
