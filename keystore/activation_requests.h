// Requests for a SAD waiting for a signer's device (the deposit SAD provider,
// sam/deposit_provider.cc; state/request_store.h says what a row is and is not).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "keystore/keystore_context.h"

namespace samp11 {

class ActivationRequests {
 public:
  explicit ActivationRequests(KeystoreContext& context) : context_(context) {}

  Status Record(const SadRequestRow& row);  // kAlreadyExists for an id already there
  Result<std::optional<SadRequestRow>> Find(const std::string& id);
  // Pending and not expired at now, oldest first (at most a thousand).
  Result<std::vector<SadRequestRow>> ListPending(int64_t now);
  // false if the request was not pending (it ended already, or there is none).
  Result<bool> End(const std::string& id, const std::string& state, const std::string& detail,
                   int64_t now);

 private:
  KeystoreContext& context_;
};

}  // namespace samp11
