#include "state/postgres/pg_replay.h"

#include <algorithm>
#include <tuple>

#include "state/postgres/pg_stores.h"

namespace samp11 {

Result<bool> PgInsertSpentHash(PgConnection& c, const SpentHashRow& row) {
  SAMP11_ASSIGN_OR_RETURN(
      PgRows inserted, c.Exec("spending a hash",
                              "INSERT INTO spent_hashes(kid, jti, hash, key_id, sad_exp, spent_at) "
                              "VALUES($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                              PgParams()
                                  .Text(row.kid)
                                  .Text(row.jti)
                                  .Blob(row.hash)
                                  .Blob(row.key_id)
                                  .Int64(row.sad_exp)
                                  .Int64(row.spent_at)));
  return inserted.affected() == 1;
}

Result<std::vector<bool>> PgInsertSpentHashes(PgConnection& c,
                                              const std::vector<const SpentHashRow*>& rows) {
  std::vector<size_t> order;
  order.reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i] != nullptr) order.push_back(i);
  }
  // Stable: of two rows for one hash, the first is inserted first and wins.
  std::stable_sort(order.begin(), order.end(), [&rows](size_t a, size_t b) {
    return std::tie(rows[a]->kid, rows[a]->jti, rows[a]->hash) <
           std::tie(rows[b]->kid, rows[b]->jti, rows[b]->hash);
  });
  std::vector<bool> won(rows.size(), true);
  for (size_t i : order) {
    SAMP11_ASSIGN_OR_RETURN(bool inserted, PgInsertSpentHash(c, *rows[i]));
    won[i] = inserted;
  }
  return won;
}

Result<bool> PgReplayStore::InsertSpentHash(const SpentHashRow& row) {
  auto lock = c_.Lock();
  return PgInsertSpentHash(c_, row);
}

Result<bool> PgReplayStore::IsHashSpent(std::string_view kid, std::string_view jti,
                                        const Bytes& hash) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(
      PgRows rows, c_.Exec("looking up a spent hash",
                           "SELECT 1 FROM spent_hashes WHERE kid = $1 AND jti = $2 AND hash = $3",
                           PgParams().Text(kid).Text(jti).Blob(hash)));
  return rows.size() > 0;
}

Result<int64_t> PgReplayStore::PurgeSpentHashes(int64_t sad_exp_before) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(
      PgRows removed, c_.Exec("purging spent hashes", "DELETE FROM spent_hashes WHERE sad_exp < $1",
                              PgParams().Int64(sad_exp_before)));
  return removed.affected();
}

Result<int64_t> PgReplayStore::CountSpentHashes() {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(PgRows count,
                          c_.Exec("counting spent hashes", "SELECT count(*) FROM spent_hashes"));
  return count.Int64(0, 0);
}

}  // namespace samp11
