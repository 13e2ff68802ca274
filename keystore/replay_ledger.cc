// The replay ledger (replay_ledger.h): spent hashes and deposited SADs. Batch claims are in
// replay_claims.cc.

#include "keystore/replay_ledger.h"

namespace samp11 {
namespace {

Status CheckReplayKey(const std::string& kid, const std::string& jti, const Bytes& hash) {
  if (kid.empty() || jti.empty() || hash.empty()) {
    return Status(Code::kArgumentsBad, "a spent hash needs a kid, a jti and a hash");
  }
  return Status::Ok();
}

// A key and hash rarely have more than one live deposit; the cap bounds the work of a lookup
// against a flood of deposits for one hash.
constexpr size_t kMaxDepositsPerLookup = 8;

}  // namespace

Result<bool> ReplayLedger::SpendHash(const std::string& kid, const std::string& jti,
                                     const Bytes& hash, const Bytes& key_id, int64_t sad_exp) {
  SAMP11_RETURN_IF_ERROR(CheckReplayKey(kid, jti, hash));
  SpentHashRow row;
  row.kid = kid;
  row.jti = jti;
  row.hash = hash;
  row.key_id = key_id;
  row.sad_exp = sad_exp;
  row.spent_at = context_.clock.NowSeconds();
  return context_.state.replay().InsertSpentHash(row);
}

Result<bool> ReplayLedger::IsHashSpent(const std::string& kid, const std::string& jti,
                                       const Bytes& hash) {
  SAMP11_RETURN_IF_ERROR(CheckReplayKey(kid, jti, hash));
  return context_.state.replay().IsHashSpent(kid, jti, hash);
}

Status ReplayLedger::DepositSad(const DepositRow& row) {
  return context_.state.deposits().InsertDeposit(row);
}

Result<std::vector<std::string>> ReplayLedger::FindDepositedSads(const Bytes& key_id,
                                                                 const Bytes& hash,
                                                                 int64_t min_exp) {
  return context_.state.deposits().FindDeposits(key_id, hash, min_exp, kMaxDepositsPerLookup);
}

Result<int64_t> ReplayLedger::PurgeDeposits(int64_t sad_exp_before) {
  return context_.state.deposits().PurgeDeposits(sad_exp_before);
}

}  // namespace samp11
