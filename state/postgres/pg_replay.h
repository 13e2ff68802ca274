// The replay ledger in PostgreSQL (state/replay_store.h): shared by every node of the token. A
// spend is one statement that inserts the row or finds it (ON CONFLICT DO NOTHING): of any number
// of nodes and threads spending one hash at once, exactly one is told it won, and only once the
// row is durable (synchronous_commit, the server's default: on the primary, and on a synchronous
// standby where one is configured).
#pragma once

#include "state/postgres/pg_connection.h"
#include "state/replay_store.h"

namespace samp11 {

class PgReplayStore : public ReplayStore {
 public:
  explicit PgReplayStore(PgConnection& connection) : c_(connection) {}
  Result<bool> InsertSpentHash(const SpentHashRow& row) override;
  Result<bool> IsHashSpent(std::string_view kid, std::string_view jti, const Bytes& hash) override;
  Result<int64_t> PurgeSpentHashes(int64_t sad_exp_before) override;
  Result<int64_t> CountSpentHashes() override;

 private:
  PgConnection& c_;
};

}  // namespace samp11
