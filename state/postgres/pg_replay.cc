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

namespace {

// One element of an array literal ('{"a","b"}'): quoted, with its quotes and backslashes escaped.
void AppendArrayElement(std::string& array, std::string_view value) {
  array += array.size() > 1 ? ",\"" : "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') array += '\\';
    array += c;
  }
  array += '"';
}

// Bytes as an element of a bytea[] literal: PostgreSQL's hex form (\x...).
std::string HexBytea(const Bytes& bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string hex = "\\x";
  for (uint8_t b : bytes) {
    hex += kHex[b >> 4];
    hex += kHex[b & 0xf];
  }
  return hex;
}

}  // namespace

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
  if (order.size() <= 1) {
    for (size_t i : order) {
      SAMP11_ASSIGN_OR_RETURN(bool inserted, PgInsertSpentHash(c, *rows[i]));
      won[i] = inserted;
    }
    return won;
  }
  // Several: one statement (one round trip), the rows inserted in the order above (their
  // ordinality), each one found taken or inserted as its own INSERT would have done. A row that
  // repeats an earlier one of the same statement finds it taken.
  std::string kids = "{", jtis = "{", hashes = "{", key_ids = "{", exps = "{", ats = "{";
  for (size_t i : order) {
    const SpentHashRow& row = *rows[i];
    AppendArrayElement(kids, row.kid);
    AppendArrayElement(jtis, row.jti);
    AppendArrayElement(hashes, HexBytea(row.hash));
    AppendArrayElement(key_ids, HexBytea(row.key_id));
    AppendArrayElement(exps, std::to_string(row.sad_exp));
    AppendArrayElement(ats, std::to_string(row.spent_at));
  }
  for (std::string* array : {&kids, &jtis, &hashes, &key_ids, &exps, &ats}) *array += '}';
  SAMP11_ASSIGN_OR_RETURN(
      PgRows inserted,
      c.Exec("spending hashes",
             "INSERT INTO spent_hashes(kid, jti, hash, key_id, sad_exp, spent_at) "
             "SELECT kid, jti, hash, key_id, sad_exp, spent_at FROM unnest($1::text[], "
             "$2::text[], $3::bytea[], $4::bytea[], $5::bigint[], $6::bigint[]) WITH ORDINALITY "
             "AS r(kid, jti, hash, key_id, sad_exp, spent_at, n) ORDER BY n "
             "ON CONFLICT DO NOTHING RETURNING kid, jti, hash",
             PgParams().Text(kids).Text(jtis).Text(hashes).Text(key_ids).Text(exps).Text(ats)));
  for (size_t i : order) won[i] = false;
  for (int r = 0; r < inserted.size(); ++r) {
    const std::string kid = inserted.Text(r, 0);
    const std::string jti = inserted.Text(r, 1);
    const Bytes hash = inserted.Blob(r, 2);
    // The first of the rows with this key: the one inserted (a repeat found it taken).
    bool found = false;
    for (size_t i : order) {
      if (rows[i]->kid == kid && rows[i]->jti == jti && rows[i]->hash == hash) {
        won[i] = true;
        found = true;
        break;
      }
    }
    if (!found) {
      return Status(Code::kStorage,
                    "PostgreSQL: spending hashes: the server returned a row not sent");
    }
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
