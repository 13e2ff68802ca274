// Deposited SADs: stored as the signed text they are, so they need no MAC of their own.
#include "keystore/keystore.h"

namespace samp11 {

namespace {
// A key and hash rarely have more than one live deposit; the cap bounds the work of a lookup
// against a flood of deposits for one hash.
constexpr size_t kMaxDepositsPerLookup = 8;
}  // namespace

Status Keystore::DepositSad(const DepositRow& row) { return state_->InsertDeposit(row); }

Result<std::vector<std::string>> Keystore::FindDepositedSads(const Bytes& key_id, const Bytes& hash,
                                                             int64_t min_exp) {
  return state_->FindDeposits(key_id, hash, min_exp, kMaxDepositsPerLookup);
}

Result<int64_t> Keystore::PurgeDeposits(int64_t sad_exp_before) {
  return state_->PurgeDeposits(sad_exp_before);
}

}  // namespace samp11
