// Batch SADs: one durable write claims every hash of a SAD for this process (replay_ledger.h).

#include "keystore/replay_ledger.h"

namespace samp11 {
namespace {

// A claim is kept in memory a while past its SAD's expiry (clock skew), then dropped.
constexpr int64_t kClaimGraceSeconds = 3600;

}  // namespace

Result<bool> ReplayLedger::TakeBatchHash(const BatchHash& batch) {
  if (batch.kid.empty() || batch.jti.empty() || batch.hash.empty() || batch.hashes == nullptr) {
    return Status(Code::kArgumentsBad, "a batch hash needs a kid, a jti and its SAD's hashes");
  }
  std::lock_guard<std::mutex> lock(claims_mu_);
  const auto key = std::make_pair(batch.kid, batch.jti);
  auto found = claims_.find(key);
  if (found == claims_.end()) {
    // Finished and expired claims go first, so the map holds only live batches.
    const int64_t now = context_.clock.NowSeconds();
    for (auto it = claims_.begin(); it != claims_.end();) {
      const bool done = it->second.unsigned_hashes.empty();
      it = (done || it->second.sad_exp + kClaimGraceSeconds < now) ? claims_.erase(it) : ++it;
    }
    std::vector<SpentHashRow> rows;
    rows.reserve(batch.hashes->size());
    for (const Bytes& hash : *batch.hashes) {
      SpentHashRow row;
      row.kid = batch.kid;
      row.jti = batch.jti;
      row.hash = hash;
      row.key_id = batch.key_id;
      row.sad_exp = batch.sad_exp;
      row.spent_at = now;
      rows.push_back(std::move(row));
    }
    AuditEvent event;
    event.event = audit_event::kSadClaim;
    event.outcome = audit_outcome::kOk;
    event.signer = batch.signer;
    event.key_id = batch.key_id;
    event.kid = batch.kid;
    event.jti = batch.jti;
    SAMP11_ASSIGN_OR_RETURN(AuditRow row, audit_.RowFor(event));
    const size_t total = rows.size();
    AuditLink link;
    Result<std::vector<bool>> won = context_.state.journal().ClaimSpentHashes(
        rows, [&](const AuditTail& tail, size_t claimed) -> Result<AuditAppend> {
          AuditRow claim_row = row;
          claim_row.detail = std::to_string(claimed) + " of " + std::to_string(total) +
                             " hashes claimed by this process";
          SAMP11_ASSIGN_OR_RETURN(AuditAppend append,
                                  audit_.MakeAppend(context_.keys.audit, claim_row, tail));
          link = audit_.LinkOf(tail, append);
          return append;
        });
    if (!won.ok()) return context_.ExplainStaleKey(won.status());
    // A claim in a rolled-back keystore claims nothing this process will sign.
    SAMP11_RETURN_IF_ERROR(audit_.AfterWrite(link, true));
    BatchClaim claim;
    claim.sad_exp = batch.sad_exp;
    for (size_t i = 0; i < rows.size(); ++i) {
      if ((*won)[i]) claim.unsigned_hashes.insert(rows[i].hash);
    }
    found = claims_.emplace(key, std::move(claim)).first;
  }
  return found->second.unsigned_hashes.erase(batch.hash) == 1;
}

Result<bool> ReplayLedger::HashSignable(const std::string& kid, const std::string& jti,
                                        const Bytes& hash) {
  {
    std::lock_guard<std::mutex> lock(claims_mu_);
    auto found = claims_.find(std::make_pair(kid, jti));
    if (found != claims_.end()) return found->second.unsigned_hashes.count(hash) == 1;
  }
  SAMP11_ASSIGN_OR_RETURN(bool spent, IsHashSpent(kid, jti, hash));
  return !spent;
}

void ReplayLedger::ReturnBatchHash(const std::string& kid, const std::string& jti,
                                   const Bytes& hash) {
  std::lock_guard<std::mutex> lock(claims_mu_);
  auto found = claims_.find(std::make_pair(kid, jti));
  if (found != claims_.end()) found->second.unsigned_hashes.insert(hash);
}

}  // namespace samp11
