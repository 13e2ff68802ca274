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
// "NAME:PIN", the longest value a PIN login takes.
constexpr size_t kMaxPinLoginLength = kMaxSignerNameLength + 1 + kMaxPinLength;

// C_Login(CKU_USER) takes a SAD or a PIN. A value with a SAD's form (three dot-separated parts,
// the first starting "eyJ", a base64url JSON object) is a SAD; anything else is a PIN. A PIN
// never looks like that: PIN logins are "NAME:PIN" or a bare PIN of at most 64 characters.
bool LooksLikeSad(std::string_view value);

// One successful PIN login: whose, since when, and how many signatures each key made under it.
// Shared by every session of the token (the user login is application-wide), so thread-safe.
class PinActivation {
 public:
  PinActivation(std::string signer, int64_t granted_at)
      : signer_(std::move(signer)), granted_at_(granted_at) {}
  PinActivation(const PinActivation&) = delete;
  PinActivation& operator=(const PinActivation&) = delete;

  const std::string& signer() const { return signer_; }
  int64_t granted_at() const { return granted_at_; }

  // Takes one signature of the key under its limits at time now. kRejected, taking nothing, once
  // max_signatures were made or max_seconds have passed since the login.
  Status TakeSignature(const Bytes& key_id, const ActivationLimits& limits, int64_t now);
  // Gives back a signature taken for a signing that then failed.
  void ReturnSignature(const Bytes& key_id);
  int64_t signatures(const Bytes& key_id) const;

 private:
  const std::string signer_;
  const int64_t granted_at_;
  mutable std::mutex mu_;
  std::map<Bytes, int64_t> signatures_;  // guarded by mu_
};

}  // namespace samp11
