// The replay ledger (docs/keystore.md): each hash a SAD binds may be signed once, by anyone.
// Spent hashes, batch SADs claimed whole by one process, and SADs deposited ahead of the
// signature they activate.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "keystore/audit_log.h"
#include "keystore/keystore_context.h"

namespace samp11 {

class ReplayLedger {
 public:
  ReplayLedger(KeystoreContext& context, AuditLog& audit) : context_(context), audit_(audit) {}
  ReplayLedger(const ReplayLedger&) = delete;
  ReplayLedger& operator=(const ReplayLedger&) = delete;

  // true if this call spent the hash; false if it was already spent (by anyone).
  Result<bool> SpendHash(const std::string& kid, const std::string& jti, const Bytes& hash,
                         const Bytes& key_id, int64_t sad_exp);
  Result<bool> IsHashSpent(const std::string& kid, const std::string& jti, const Bytes& hash);

  // Batch SADs (replay_claims.cc). A SAD that binds several hashes is claimed whole by the
  // first process that signs under it: every hash of it still unspent is spent for this process
  // in one durable write, with a "sad-claim" record, and this process then signs them one at a
  // time with no synced write of their own; no other process can (for it they are spent). A
  // claimed hash not signed when the process ends is lost: its signer issues a new SAD. One
  // durable write thus marks a whole batch as in use, and a replay stays impossible after a
  // crash or a power loss.
  struct BatchHash {
    std::string kid, jti, signer;
    const std::vector<Bytes>* hashes = nullptr;  // every hash the SAD binds
    Bytes hash;                                  // the one to sign now
    Bytes key_id;
    int64_t sad_exp = 0;
  };
  // true: the hash is this process's and is now taken by this caller (no other thread of it
  // gets it). false: spent already, or claimed by another process.
  Result<bool> TakeBatchHash(const BatchHash& batch);
  // Whether this process may still sign that hash of that SAD: a hash of a batch this process
  // claimed while it is not signed yet; otherwise while it is not spent.
  Result<bool> HashSignable(const std::string& kid, const std::string& jti, const Bytes& hash);
  // Gives a taken hash back when its signature could not be made.
  void ReturnBatchHash(const std::string& kid, const std::string& jti, const Bytes& hash);

  // Deposits: SADs handed in ahead of the signature they activate (`samp11 sad deposit`),
  // stored as the signed text they are (the SAM verifies a SAD before depositing it and again
  // when it uses it), so they need no MAC of their own.
  Status DepositSad(const DepositRow& row);  // kAlreadyExists for a (kid, jti) already there
  Result<std::vector<std::string>> FindDepositedSads(const Bytes& key_id, const Bytes& hash,
                                                     int64_t min_exp);
  Result<int64_t> PurgeDeposits(int64_t sad_exp_before);

 private:
  KeystoreContext& context_;
  AuditLog& audit_;

  // Claimed batch SADs, by kid and jti: the hashes claimed and not signed yet (their expiry
  // lets finished or expired claims be dropped). claims_mu_ is held across a claim's write, so
  // two threads never claim the same SAD.
  struct BatchClaim {
    std::set<Bytes> unsigned_hashes;
    int64_t sad_exp = 0;
  };
  std::mutex claims_mu_;
  std::map<std::pair<std::string, std::string>, BatchClaim> claims_;
};

}  // namespace samp11
