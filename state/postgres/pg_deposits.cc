// Deposited SADs: deposited_sads, and deposited_hashes that indexes them by key and hash.
#include <limits>
#include <string>

#include "state/postgres/pg_stores.h"

namespace samp11 {
namespace {

// PostgreSQL's message names the constraint; SQLite's store says what is there.
Status Exists(const Status& status, const std::string& message) {
  if (status.code() == Code::kAlreadyExists) return Status(Code::kAlreadyExists, message);
  return status;
}

}  // namespace

Status PgDepositStore::InsertDeposit(const DepositRow& row) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto tx, PgTransaction::Begin(c_));
  SAMP11_RETURN_IF_ERROR(
      Exists(c_.Exec("depositing a SAD",
                     "INSERT INTO deposited_sads(kid, jti, key_id, sad, sad_exp, deposited_at) "
                     "VALUES($1, $2, $3, $4, $5, $6)",
                     PgParams()
                         .Text(row.kid)
                         .Text(row.jti)
                         .Blob(row.key_id)
                         .Text(row.sad)
                         .Int64(row.sad_exp)
                         .Int64(row.deposited_at))
                 .status(),
             "a SAD with kid " + row.kid + " and jti " + row.jti + " is deposited"));
  for (const Bytes& hash : row.hashes) {
    SAMP11_RETURN_IF_ERROR(Exists(
        c_.Exec("indexing a deposited SAD",
                "INSERT INTO deposited_hashes(key_id, hash, kid, jti) VALUES($1, $2, $3, $4)",
                PgParams().Blob(row.key_id).Blob(hash).Text(row.kid).Text(row.jti))
            .status(),
        "a deposited SAD lists one hash twice"));
  }
  return tx->Commit();
}

Result<std::vector<std::string>> PgDepositStore::FindDeposits(const Bytes& key_id,
                                                              const Bytes& hash, int64_t min_exp,
                                                              size_t limit) {
  auto lock = c_.Lock();
  constexpr auto kMax = static_cast<size_t>(std::numeric_limits<int64_t>::max());
  SAMP11_ASSIGN_OR_RETURN(PgRows rows,
                          c_.Exec("finding deposited SADs",
                                  "SELECT s.sad FROM deposited_hashes h JOIN deposited_sads s "
                                  "ON s.kid = h.kid AND s.jti = h.jti "
                                  "WHERE h.key_id = $1 AND h.hash = $2 AND s.sad_exp >= $3 "
                                  "ORDER BY s.deposited_at DESC LIMIT $4",
                                  PgParams().Blob(key_id).Blob(hash).Int64(min_exp).Int64(
                                      static_cast<int64_t>(limit > kMax ? kMax : limit))));
  std::vector<std::string> out;
  out.reserve(static_cast<size_t>(rows.size()));
  for (int i = 0; i < rows.size(); ++i) out.push_back(rows.Text(i, 0));
  return out;
}

Result<int64_t> PgDepositStore::PurgeDeposits(int64_t sad_exp_before) {
  auto lock = c_.Lock();
  // One statement, atomic by itself; deposited_hashes rows go with their SAD (ON DELETE CASCADE).
  SAMP11_ASSIGN_OR_RETURN(PgRows removed, c_.Exec("purging deposited SADs",
                                                  "DELETE FROM deposited_sads WHERE sad_exp < $1",
                                                  PgParams().Int64(sad_exp_before)));
  return removed.affected();
}

}  // namespace samp11
