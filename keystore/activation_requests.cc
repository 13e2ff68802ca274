// Activation requests (activation_requests.h).
#include "keystore/activation_requests.h"

namespace samp11 {

namespace {
// `samp11 sad requests` shows at most this many; a device takes them oldest first.
constexpr size_t kMaxPendingListed = 1000;
}  // namespace

Status ActivationRequests::Record(const SadRequestRow& row) {
  return context_.state.requests().InsertSadRequest(row);
}

Result<std::optional<SadRequestRow>> ActivationRequests::Find(const std::string& id) {
  return context_.state.requests().FindSadRequest(id);
}

Result<std::vector<SadRequestRow>> ActivationRequests::ListPending(int64_t now) {
  return context_.state.requests().ListPendingSadRequests(now, kMaxPendingListed);
}

Result<bool> ActivationRequests::End(const std::string& id, const std::string& state,
                                     const std::string& detail, int64_t now) {
  return context_.state.requests().EndSadRequest(id, state, detail, now);
}

}  // namespace samp11
