// Signers' PINs: set, check with a durable try counter, and the token-wide state for PKCS#11.
#include <algorithm>
#include <utility>

#include "crypto/random.h"
#include "keystore/aad.h"
#include "keystore/pin_hash.h"
#include "keystore/row_mac.h"
#include "keystore/signer_pins.h"

namespace samp11 {
namespace {

std::string PinName(const std::string& signer) { return "PIN of signer '" + signer + "'"; }

}  // namespace

Status SignerPins::SetSignerPin(const std::string& signer, std::string_view pin) {
  SAMP11_RETURN_IF_ERROR(audit_.CheckWritable());
  AuditEvent audit;
  audit.event = audit_event::kSignerSetPin;
  audit.signer = signer;
  return audit_.Record(std::move(audit), SetSignerPinUnaudited(signer, pin));
}

Status SignerPins::SetSignerPinUnaudited(const std::string& signer, std::string_view pin) {
  SAMP11_RETURN_IF_ERROR(CheckPinFormat(pin));
  // C_Login takes "NAME:PIN": a name with ':' in it could not be told from its PIN.
  if (signer.find(':') != std::string::npos) {
    return Status(Code::kArgumentsBad, "a signer whose name contains ':' cannot have a PIN");
  }
  SAMP11_ASSIGN_OR_RETURN(bool enrolled, signers_.SignerExists(signer));
  if (!enrolled) return Status(Code::kNotFound, "no signer '" + signer + "'");
  SignerPinRow row;
  row.name = signer;
  SAMP11_ASSIGN_OR_RETURN(row.salt, RandomBytes(kPinSaltBytes));
  SAMP11_ASSIGN_OR_RETURN(row.hash, HashPin(context_.pin_key, pin, row.salt));
  SAMP11_ASSIGN_OR_RETURN(row.mac, RowMac(context_.keys.mac, SignerPinMacInput(row)));
  return context_.state.pins().UpsertSignerPin(row);
}

Result<PinCheck> SignerPins::CheckSignerPin(const std::string& signer, std::string_view pin,
                                            int max_tries,
                                            const std::function<Result<bool>()>& second_factor) {
  if (max_tries < 1) return Status(Code::kArgumentsBad, "max_tries must be at least 1");
  SAMP11_ASSIGN_OR_RETURN(std::optional<SignerPinRow> row,
                          context_.state.pins().FindSignerPin(signer));
  if (!row) return PinCheck{PinCheck::kNoPin, 0};
  SAMP11_RETURN_IF_ERROR(
      VerifyRowMac(context_.keys.mac, SignerPinMacInput(*row), row->mac, PinName(signer)));

  // The try is taken before the comparison, as a smart card does: neither a crash nor a race
  // between processes can give an attacker a guess that is not counted. A locked PIN is refused
  // here, before any hashing.
  SAMP11_ASSIGN_OR_RETURN(bool taken, context_.state.pins().TakePinTry(signer, max_tries));
  if (!taken) return PinCheck{PinCheck::kLocked, 0};

  bool match = false;
  // A PIN of the wrong length cannot be right; its length is no secret, so it is not hashed.
  if (CheckPinFormat(pin).ok()) {
    SAMP11_ASSIGN_OR_RETURN(Bytes hash, HashPin(context_.pin_key, pin, row->salt));
    match = ConstantTimeEqual(hash, row->hash);
  }
  if (match && second_factor) {
    SAMP11_ASSIGN_OR_RETURN(match, second_factor());
  }
  if (match) {
    SAMP11_RETURN_IF_ERROR(context_.state.pins().ResetPinFailures(signer));
    return PinCheck{PinCheck::kOk, max_tries};
  }
  SAMP11_ASSIGN_OR_RETURN(std::optional<SignerPinRow> after,
                          context_.state.pins().FindSignerPin(signer));
  const int64_t failures = after ? after->failures : max_tries;
  return PinCheck{PinCheck::kIncorrect,
                  static_cast<int>(std::max<int64_t>(0, max_tries - failures))};
}

Result<std::vector<std::string>> SignerPins::SignersWithPins() {
  SAMP11_ASSIGN_OR_RETURN(std::vector<SignerPinRow> rows, context_.state.pins().ListSignerPins());
  std::vector<std::string> names;
  names.reserve(rows.size());
  for (SignerPinRow& row : rows) names.push_back(std::move(row.name));
  return names;
}

Result<PinState> SignerPins::PinStatus(int max_tries) {
  SAMP11_ASSIGN_OR_RETURN(std::vector<SignerPinRow> rows, context_.state.pins().ListSignerPins());
  PinState state;
  for (const SignerPinRow& row : rows) {
    const int64_t remaining = max_tries - row.failures;
    if (row.failures > 0) state.count_low = true;
    if (remaining == 1) state.final_try = true;
    if (remaining <= 0) state.locked = true;
  }
  return state;
}

}  // namespace samp11
