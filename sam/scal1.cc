// SCAL1: the PIN login and the signature it allows (Sam::PinLogin, Sam::SignScal1).
#include "sam/scal1.h"

#include <functional>
#include <optional>

#include "common/log.h"
#include "sad/ocra_sad.h"
#include "sam/sam.h"

namespace samp11 {

bool LooksLikeSad(std::string_view value) {
  if (LooksLikeOcraSad(value)) return true;
  size_t first = value.find('.');
  if (first == std::string_view::npos) return false;
  size_t second = value.find('.', first + 1);
  if (second == std::string_view::npos) return false;
  if (value.find('.', second + 1) != std::string_view::npos) return false;
  return value.substr(0, 3) == "eyJ";
}

namespace {

// The code a TOTP check refused, in words: logged for the operator, never shown to the caller
// (who learns only "wrong PIN or code": a reused code would otherwise confirm a guessed PIN).
const char* TotpRefusal(OtpCheck check) {
  switch (check) {
    case OtpCheck::kWrong:
      return "a wrong or out-of-time TOTP code";
    case OtpCheck::kReused:
      return "a TOTP code (or a later one) already used";
    case OtpCheck::kNotEnrolled:
      return "no TOTP enrolment";
    case OtpCheck::kOk:
      break;
  }
  return "";
}

}  // namespace

Status PinActivation::TakeSignature(const Bytes& key_id, const ActivationLimits& limits,
                                    int64_t now) {
  const std::string key = "key " + HexEncode(key_id);
  if (limits.max_seconds && now - granted_at_ >= *limits.max_seconds) {
    return Status(Code::kRejected, key + ": the PIN login of signer '" + signer_ +
                                       "' is older than " + std::to_string(*limits.max_seconds) +
                                       " seconds; log in again");
  }
  std::lock_guard<std::mutex> lock(mu_);
  int64_t& made = signatures_[key_id];
  if (limits.max_signatures && made >= *limits.max_signatures) {
    return Status(Code::kRejected, key + " already made " + std::to_string(made) +
                                       " signatures under this PIN login (its limit); log in "
                                       "again");
  }
  ++made;
  return Status::Ok();
}

void PinActivation::ReturnSignature(const Bytes& key_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = signatures_.find(key_id);
  if (it != signatures_.end() && it->second > 0) --it->second;
}

int64_t PinActivation::signatures(const Bytes& key_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = signatures_.find(key_id);
  return it == signatures_.end() ? 0 : it->second;
}

Result<std::shared_ptr<PinActivation>> Sam::PinLoginUnaudited(std::string_view value) {
  SAMP11_RETURN_IF_ERROR(keystore_.CheckNotRolledBack());  // keystore/rollback_guard.h
  if (value.size() > kMaxPinLoginLength) {
    return Status(Code::kActivationTooLong, "a PIN login is at most " +
                                                std::to_string(kMaxPinLoginLength) +
                                                " characters (NAME:PIN:CODE)");
  }
  // "NAME:PIN", "NAME:PIN:CODE", or a bare PIN: a PIN holds no ':' (pin_hash.h), so the first ':'
  // always ends a name and the second a PIN, and no part of a PIN is ever looked up as one.
  std::string signer;
  std::string_view pin = value;
  std::optional<std::string_view> code;
  size_t colon = value.find(':');
  if (colon != std::string_view::npos) {
    signer = std::string(value.substr(0, colon));
    pin = value.substr(colon + 1);
    if (size_t second = pin.find(':'); second != std::string_view::npos) {
      code = pin.substr(second + 1);
      pin = pin.substr(0, second);
    }
  } else {
    SAMP11_ASSIGN_OR_RETURN(std::vector<std::string> with_pins, keystore_.pins().SignersWithPins());
    if (with_pins.empty()) {
      return Status(Code::kActivationInvalid, "not a SAD, and no signer of this token has a PIN");
    }
    if (with_pins.size() > 1) {
      return Status(Code::kActivationInvalid,
                    "not a SAD; several signers have PINs, so a PIN login is NAME:PIN");
    }
    signer = with_pins.front();
  }

  // A signer with a TOTP enrolment logs in with both factors, always: NAME:PIN alone activates
  // none of that signer's keys, and is refused before the PIN is even checked (no try taken, and
  // no answer that would confirm a guessed PIN).
  SAMP11_ASSIGN_OR_RETURN(bool has_totp, keystore_.otp().HasTotp(signer));
  if (has_totp && !code) {
    return Status(Code::kActivationInvalid, "signer '" + signer +
                                                "' has a one-time password: log in with "
                                                "NAME:PIN:CODE");
  }
  if (!has_totp && code) {
    return Status(Code::kActivationInvalid,
                  "signer '" + signer + "' has no one-time password (`samp11 signer set-totp`)");
  }
  OtpCheck totp = OtpCheck::kNotEnrolled;
  std::function<Result<bool>()> second_factor;
  if (code) {
    second_factor = [&]() -> Result<bool> {
      SAMP11_ASSIGN_OR_RETURN(totp, keystore_.otp().CheckTotp(signer, *code, Now()));
      return totp == OtpCheck::kOk;
    };
  }
  SAMP11_ASSIGN_OR_RETURN(PinCheck check, keystore_.pins().CheckSignerPin(
                                              signer, pin, policy_.pin_max_tries, second_factor));
  const std::string factors = code ? "PIN or one-time code" : "PIN";
  switch (check.result) {
    case PinCheck::kOk:
      SAMP11_LOG(kInfo,
                 "PIN login as signer '" << signer << "'" << (code ? " with a TOTP code" : ""));
      return std::make_shared<PinActivation>(signer, Now(), code.has_value());
    case PinCheck::kIncorrect:
      if (code && totp != OtpCheck::kNotEnrolled) {
        SAMP11_LOG(kInfo, "PIN login of signer '" << signer << "' refused: the PIN matched, "
                                                  << TotpRefusal(totp));
      }
      // Logged, with every refusal, by the caller (pkcs11/ logs each CK_RV it returns).
      return Status(Code::kActivationInvalid,
                    "wrong " + factors + " for signer '" + signer + "' (" +
                        std::to_string(check.remaining) +
                        (check.remaining == 1 ? " try left)" : " tries left)"));
    case PinCheck::kLocked:
      return Status(Code::kPinLocked, "the PIN of signer '" + signer +
                                          "' is locked; `samp11 signer set-pin` sets a new one");
    case PinCheck::kNoPin:
      break;
  }
  return Status(Code::kActivationInvalid, "signer '" + signer + "' has no PIN");
}

Result<Bytes> Sam::SignScal1(const UnwrappedKey& key, const SignMechanism& mechanism,
                             const Activation& activation, SignFacts& facts) {
  const std::string key_id = HexEncode(key.info.id);
  const std::shared_ptr<PinActivation>& pin = activation.pin();
  if (pin == nullptr || pin->signer() != key.info.owner) {
    return Status(
        Code::kNoActivation,
        "key " + key_id + " is SCAL1: it needs a PIN login of its owner '" + key.info.owner + "'");
  }
  // The policy was authenticated with the key (wrap AAD): these limits are the generator's.
  SAMP11_ASSIGN_OR_RETURN(std::optional<ActivationLimits> limits,
                          ActivationLimitsOf(key.info.policy_json));
  if (!limits) {
    return Status(Code::kRejected, "key " + key_id + " is SCAL1 but has no activation limits");
  }
  if (limits->require_otp && !pin->with_otp()) {
    return Status(Code::kNoActivation, "key " + key_id +
                                           " needs a PIN login with its owner's one-time code "
                                           "(NAME:PIN:CODE; `samp11 signer set-totp`)");
  }
  // No SAD binds it, but the record names the hash signed all the same: a seal key's log (a CA,
  // a time-stamping unit) must show what each signature was over. Pure EdDSA fixes no hash: its
  // message's SHA-256, as a SAD would bind (docs/sad.md).
  facts.hash_alg = mechanism.FixedHashAlg().value_or(HashAlg::kSha256);
  SAMP11_ASSIGN_OR_RETURN(facts.hash, mechanism.BoundHash(facts.hash_alg));
  SAMP11_RETURN_IF_ERROR(pin->TakeSignature(key.info.id, *limits, Now()));
  Result<Bytes> signature = mechanism.Sign(*key.signer);
  if (!signature.ok()) {
    pin->ReturnSignature(key.info.id);
    return signature.status();
  }
  SAMP11_LOG(kInfo, "signature released: key=" << key_id << " (SCAL1) via PIN login of signer '"
                                               << pin->signer() << "', signature "
                                               << pin->signatures(key.info.id) << " of this login");
  return signature;
}

}  // namespace samp11
