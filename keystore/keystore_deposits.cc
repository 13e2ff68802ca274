// Deposited SADs: stored as the signed text they are, so they need no MAC of their own. And the
// activation requests a deposit answers (the deposit SAD provider).
#include "keystore/keystore.h"

namespace samp11 {

namespace {
// A key and hash rarely have more than one live deposit; the cap bounds the work of a lookup
// against a flood of deposits for one hash.
constexpr size_t kMaxDepositsPerLookup = 8;
// `samp11 sad requests` shows at most this many; a device takes them oldest first.
constexpr size_t kMaxPendingListed = 1000;
}  // namespace

Status Keystore::DepositSad(const DepositRow& row) { return state_->deposits().InsertDeposit(row); }

Result<std::vector<std::string>> Keystore::FindDepositedSads(const Bytes& key_id, const Bytes& hash,
                                                             int64_t min_exp) {
  return state_->deposits().FindDeposits(key_id, hash, min_exp, kMaxDepositsPerLookup);
}

Result<int64_t> Keystore::PurgeDeposits(int64_t sad_exp_before) {
  return state_->deposits().PurgeDeposits(sad_exp_before);
}

Status Keystore::RecordSadRequest(const SadRequestRow& row) {
  return state_->requests().InsertSadRequest(row);
}

Result<std::optional<SadRequestRow>> Keystore::FindSadRequest(const std::string& id) {
  return state_->requests().FindSadRequest(id);
}

Result<std::vector<SadRequestRow>> Keystore::ListPendingSadRequests(int64_t now) {
  return state_->requests().ListPendingSadRequests(now, kMaxPendingListed);
}

Result<bool> Keystore::EndSadRequest(const std::string& id, const std::string& state,
                                     const std::string& detail, int64_t now) {
  return state_->requests().EndSadRequest(id, state, detail, now);
}

}  // namespace samp11
