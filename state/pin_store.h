// Signers' PINs (SCAL1 keys) and their failure counters.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "state/rows.h"

namespace samp11 {

class PinStore {
 public:
  virtual ~PinStore() = default;

  // Sets a signer's PIN with failures = 0; kNotFound if the signer is not enrolled.
  virtual Status UpsertSignerPin(const SignerPinRow& row) = 0;
  virtual Result<std::optional<SignerPinRow>> FindSignerPin(std::string_view name) = 0;
  virtual Result<std::vector<SignerPinRow>> ListSignerPins() = 0;
  // Takes one try before a PIN is checked: failures + 1, durably and atomically (concurrent
  // checks in any process all count), only while failures < max_tries. false, changing
  // nothing: locked, or no PIN.
  virtual Result<bool> TakePinTry(std::string_view name, int64_t max_tries) = 0;
  // After a correct PIN: failures = 0.
  virtual Status ResetPinFailures(std::string_view name) = 0;
};

}  // namespace samp11
