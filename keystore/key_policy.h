// A key's policy_json. For a SCAL1 key it holds the limits of one activation by its owner's PIN:
//   {"activation":{"max_signatures":N,"max_seconds":T}}   (at least one of the two)
// and "require_otp":true in "activation" when its PIN login must also carry the owner's TOTP code
// (NAME:PIN:CODE; written only when true, so a key made before it keeps its text).
// SCAL2 keys have "{}": every signature is activated by its own SAD. The text is part of the
// key's wrap AAD (aad.h), so an edited policy makes the key unusable (kTampered at unwrap).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"

namespace samp11 {

constexpr int64_t kMaxActivationSignatures = 1000000;
constexpr int64_t kMaxActivationSeconds = 86400;

struct ActivationLimits {
  std::optional<int64_t> max_signatures;  // signatures of this key per PIN login
  std::optional<int64_t> max_seconds;     // seconds after the PIN login
  bool require_otp = false;               // only under a PIN login that carried a TOTP code
};

// kArgumentsBad unless at least one limit is set, max_signatures in 1..1000000 and max_seconds
// in 1..86400.
Status CheckActivationLimits(const ActivationLimits& limits);

// The policy_json of a new key: a SCAL1 key needs limits, a SCAL2 key takes none.
Result<std::string> KeyPolicyJson(int scal, const std::optional<ActivationLimits>& limits);

// The activation limits a stored policy holds (nullopt: none). kUnsupported for a policy this
// version does not understand: a key is never used under rules it cannot read.
Result<std::optional<ActivationLimits>> ActivationLimitsOf(const std::string& policy_json);

}  // namespace samp11
