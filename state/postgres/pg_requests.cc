// Activation requests: the sad_requests table.
#include <limits>
#include <string>

#include "state/postgres/pg_stores.h"

namespace samp11 {
namespace {

// In this order in every query of sad_requests (RequestAt reads them from 0).
constexpr char kRequestColumns[] =
    "id, created, expires, signer, key_id, request_json, state, detail, updated";

SadRequestRow RequestAt(const PgRows& rows, int i) {
  SadRequestRow row;
  row.id = rows.Text(i, 0);
  row.created = rows.Int64(i, 1);
  row.expires = rows.Int64(i, 2);
  row.signer = rows.Text(i, 3);
  row.key_id = rows.Blob(i, 4);
  row.request_json = rows.Text(i, 5);
  row.state = rows.Text(i, 6);
  row.detail = rows.Text(i, 7);
  row.updated = rows.Int64(i, 8);
  return row;
}

}  // namespace

Status PgRequestStore::InsertSadRequest(const SadRequestRow& row) {
  auto lock = c_.Lock();
  // One transaction: a refused insert purges nothing, and an id the purge frees is free for it.
  SAMP11_ASSIGN_OR_RETURN(auto tx, PgTransaction::Begin(c_));
  SAMP11_RETURN_IF_ERROR(c_.Exec("purging expired activation requests",
                                 "DELETE FROM sad_requests WHERE expires < $1",
                                 PgParams().Int64(row.created - kRequestKeepSeconds))
                             .status());
  Status inserted = c_.Exec("recording an activation request",
                            std::string("INSERT INTO sad_requests(") + kRequestColumns +
                                ") VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                            PgParams()
                                .Text(row.id)
                                .Int64(row.created)
                                .Int64(row.expires)
                                .Text(row.signer)
                                .Blob(row.key_id)
                                .Text(row.request_json)
                                .Text(row.state)
                                .Text(row.detail)
                                .Int64(row.updated))
                        .status();
  if (inserted.code() == Code::kAlreadyExists) {
    return Status(Code::kAlreadyExists, "activation request " + row.id + " exists");
  }
  SAMP11_RETURN_IF_ERROR(inserted);
  return tx->Commit();
}

Result<std::optional<SadRequestRow>> PgRequestStore::FindSadRequest(std::string_view id) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(PgRows rows, c_.Exec("finding an activation request",
                                               std::string("SELECT ") + kRequestColumns +
                                                   " FROM sad_requests WHERE id = $1",
                                               PgParams().Text(id)));
  if (rows.size() == 0) return std::optional<SadRequestRow>();
  return std::optional<SadRequestRow>(RequestAt(rows, 0));
}

Result<std::vector<SadRequestRow>> PgRequestStore::ListPendingSadRequests(int64_t now,
                                                                          size_t limit) {
  auto lock = c_.Lock();
  constexpr auto kMax = static_cast<size_t>(std::numeric_limits<int64_t>::max());
  // COLLATE "C": ids ordered by their bytes, as SQLite orders them, whatever the database's
  // collation.
  SAMP11_ASSIGN_OR_RETURN(
      PgRows rows,
      c_.Exec("listing pending activation requests",
              std::string("SELECT ") + kRequestColumns +
                  " FROM sad_requests WHERE state = 'pending' AND expires >= $1 "
                  "ORDER BY created, id COLLATE \"C\" LIMIT $2",
              PgParams().Int64(now).Int64(static_cast<int64_t>(limit > kMax ? kMax : limit))));
  std::vector<SadRequestRow> out;
  out.reserve(static_cast<size_t>(rows.size()));
  for (int i = 0; i < rows.size(); ++i) out.push_back(RequestAt(rows, i));
  return out;
}

Result<bool> PgRequestStore::EndSadRequest(std::string_view id, std::string_view state,
                                           std::string_view detail, int64_t now) {
  auto lock = c_.Lock();
  // One statement: only a pending request ends, and only once, so a late refusal cannot
  // overwrite an answer (a concurrent update waits and then finds it no longer pending).
  SAMP11_ASSIGN_OR_RETURN(PgRows ended,
                          c_.Exec("ending an activation request",
                                  "UPDATE sad_requests SET state = $1, detail = $2, updated = $3 "
                                  "WHERE id = $4 AND state = 'pending'",
                                  PgParams().Text(state).Text(detail).Int64(now).Text(id)));
  return ended.affected() == 1;
}

}  // namespace samp11
