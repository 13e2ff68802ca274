// Activation requests: a SAD asked of a signer's device and waited for (the deposit SAD
// provider, sam/deposit_provider.cc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "state/rows.h"

namespace samp11 {

// Requests that expired this long ago are purged; until then an ended one stays listed
// (`samp11 sad requests --all` shows how it ended).
constexpr int64_t kRequestKeepSeconds = 3600;

class RequestStore {
 public:
  virtual ~RequestStore() = default;

  // kAlreadyExists for an id already there. Requests that expired more than kRequestKeepSeconds
  // before row.created are purged by the insert.
  virtual Status InsertSadRequest(const SadRequestRow& row) = 0;
  virtual Result<std::optional<SadRequestRow>> FindSadRequest(std::string_view id) = 0;
  // Pending requests not yet expired at now (expires >= now), oldest first (by created, then id),
  // at most limit.
  virtual Result<std::vector<SadRequestRow>> ListPendingSadRequests(int64_t now, size_t limit) = 0;
  // Ends a pending request (state and detail, updated = now); false, changing nothing, if it is
  // not pending.
  virtual Result<bool> EndSadRequest(std::string_view id, std::string_view state,
                                     std::string_view detail, int64_t now) = 0;
};

}  // namespace samp11
