// This node's audit chain: its rows of audit_log and its row of audit_head. No crypto here: the
// chain and the MACs are keystore/audit_log.h's.
#include "state/postgres/pg_audit.h"

#include <string>
#include <string_view>
#include <utility>

#include "state/postgres/pg_rows.h"

namespace samp11 {
namespace {}  // namespace

Status PgLockAuditAppends(PgConnection& c, const PgNodeContext& node) {
  // A statement of its own: under READ COMMITTED the tail is read by later statements, whose
  // snapshots then include what the previous holder committed.
  return c
      .Exec("waiting for this node's audit appends", "SELECT pg_advisory_xact_lock(hashtext($1))",
            PgParams().Text(node.node))
      .status();
}

Result<std::string> PgLockAuditAppendsScript(PgConnection& c, const PgNodeContext& node) {
  // A statement of its own in the script, as above: the tail is read after it, in later ones.
  SAMP11_ASSIGN_OR_RETURN(std::string name, c.Literal("quoting the node's name", node.node));
  return "SELECT pg_advisory_xact_lock(hashtext(" + name + "))";
}

Result<AuditTail> PgReadAuditTail(PgConnection& c, const PgNodeContext& node, bool for_update) {
  // The head row alone cannot serialise appends (an empty log has none): the lock does.
  if (for_update) SAMP11_RETURN_IF_ERROR(PgLockAuditAppends(c, node));
  AuditTail tail;
  if (!for_update) {
    // The last record and the head in one statement (one round trip, one snapshot): either may be
    // missing, so both are joined to a row that is always there. seq is never NULL in a record
    // or a head: NULL says there is none.
    SAMP11_ASSIGN_OR_RETURN(
        PgRows both,
        c.Exec("reading the audit log's tail and head",
               "SELECT t.*, h.seq, h.chain, h.mac FROM (SELECT 1) AS one "
               "LEFT JOIN LATERAL (SELECT " +
                   std::string(kPgAuditColumns) +
                   " FROM audit_log WHERE node = $1 ORDER BY seq DESC LIMIT 1) AS t ON true "
                   "LEFT JOIN audit_head AS h ON h.node = $1",
               PgParams().Text(node.node)));
    if (both.size() != 1) {
      return Status(Code::kStorage, "PostgreSQL: reading the audit log's tail and head: " +
                                        std::to_string(both.size()) + " rows, not one");
    }
    if (!both.IsNull(0, 0)) tail.last_row = PgReadAuditRow(both, 0);
    if (!both.IsNull(0, kPgAuditColumnCount)) {
      AuditHeadRow row;
      row.seq = both.Int64(0, kPgAuditColumnCount);
      row.chain = both.Blob(0, kPgAuditColumnCount + 1);
      row.mac = both.Blob(0, kPgAuditColumnCount + 2);
      tail.head = std::move(row);
    }
    return tail;
  }
  // FOR UPDATE cannot lock the nullable side of an outer join: two statements.
  SAMP11_ASSIGN_OR_RETURN(PgRows last,
                          c.Exec("reading the audit log's tail",
                                 std::string("SELECT ") + kPgAuditColumns +
                                     " FROM audit_log WHERE node = $1 ORDER BY seq DESC LIMIT 1",
                                 PgParams().Text(node.node)));
  if (last.size() > 0) tail.last_row = PgReadAuditRow(last, 0);
  SAMP11_ASSIGN_OR_RETURN(
      PgRows head, c.Exec("reading the audit head",
                          "SELECT seq, chain, mac FROM audit_head WHERE node = $1 FOR UPDATE",
                          PgParams().Text(node.node)));
  if (head.size() > 0) {
    AuditHeadRow row;
    row.seq = head.Int64(0, 0);
    row.chain = head.Blob(0, 1);
    row.mac = head.Blob(0, 2);
    tail.head = std::move(row);
  }
  return tail;
}

Status PgAppendAuditLocked(
    PgConnection& c, const PgNodeContext& node,
    const std::function<Result<AuditAppend>(const AuditTail& tail)>& make_append) {
  // The chain without a node is a keystore file's, carried in by a migration: it ended there.
  if (node.node.empty()) {
    return Status(Code::kArgumentsBad,
                  "the keystore file's audit chain was closed when the token moved to the "
                  "database: nothing is appended to it");
  }
  SAMP11_ASSIGN_OR_RETURN(AuditTail tail, PgReadAuditTail(c, node, /*for_update=*/false));
  SAMP11_ASSIGN_OR_RETURN(AuditAppend append, make_append(tail));
  const AuditRow& row = append.row;
  // Refused before anything is written, as the signature journal refuses it: a record that does
  // not continue the chain would leave a gap, or a head that is not the last record.
  const int64_t next = tail.last_row ? tail.last_row->seq + 1 : 1;
  if (row.seq != next || append.head.seq != row.seq) {
    return Status(Code::kTampered, "audit record " + std::to_string(row.seq) +
                                       " is out of order: this node's log is at record " +
                                       std::to_string(next - 1));
  }
  // The record and the head in one statement (one round trip): the head is written only from
  // the record's insert, and a failure of either fails both.
  Result<PgRows> inserted =
      c.Exec("appending an audit record",
             std::string("WITH appended AS (INSERT INTO audit_log(node, ") + kPgAuditColumns +
                 ") VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING seq) "
                 "INSERT INTO audit_head(node, seq, chain, mac) "
                 "SELECT $1::text, $14::bigint, $15::bytea, $16::bytea FROM appended "
                 "ON CONFLICT (node) DO UPDATE SET seq = EXCLUDED.seq, chain = EXCLUDED.chain, "
                 "mac = EXCLUDED.mac",
             PgParams()
                 .Text(node.node)
                 .Int64(row.seq)
                 .Int64(row.at)
                 .Int64(row.pid)
                 .Text(row.event)
                 .Text(row.outcome)
                 .Text(row.signer)
                 .Blob(row.key_id)
                 .Text(row.kid)
                 .Text(row.jti)
                 .Text(row.detail)
                 .Blob(row.chain)
                 .Blob(row.mac)
                 .Int64(append.head.seq)
                 .Blob(append.head.chain)
                 .Blob(append.head.mac));
  // Only the primary key (node, seq) is unique: appends are serialised, so a taken seq means the
  // head is behind the log, as in SQLite. (The head's own conflict is the update.)
  if (inserted.status().code() == Code::kAlreadyExists) {
    return Status(Code::kTampered, "audit record " + std::to_string(row.seq) +
                                       " already exists: the audit head is behind the log");
  }
  SAMP11_RETURN_IF_ERROR(inserted.status());
  // The head follows the record: one row written, or the record was not.
  if (inserted->affected() != 1) {
    return Status(Code::kStorage,
                  "PostgreSQL: appending an audit record: the head was not written");
  }
  return Status::Ok();
}

Status PgAppendAuditInTransaction(
    PgConnection& c, const PgNodeContext& node,
    const std::function<Result<AuditAppend>(const AuditTail& tail)>& make_append) {
  SAMP11_RETURN_IF_ERROR(PgLockAuditAppends(c, node));
  return PgAppendAuditLocked(c, node, make_append);
}

Result<std::vector<std::string>> PgAuditStore::ListChainNames() {
  auto lock = c_.Lock();
  // Every node that opened the token has its mark (Keystore::JoinChain): one whose chain and head
  // were removed is still named, and verifying every chain finds it empty. Read from the heads
  // and the marks, never by a scan of the log.
  SAMP11_ASSIGN_OR_RETURN(
      PgRows rows,
      c_.Exec(
          "listing the nodes' chains",
          "SELECT node FROM (SELECT node FROM audit_head UNION SELECT substr(name, 6) FROM meta "
          "WHERE name LIKE 'node:%' UNION SELECT $1::text) AS chains "
          "ORDER BY node COLLATE \"C\"",
          PgParams().Text(node_.node)));
  std::vector<std::string> names;
  for (int i = 0; i < rows.size(); ++i) names.push_back(rows.Text(i, 0));
  return names;
}

Result<AuditTail> PgAuditStore::GetAuditTail() {
  auto lock = c_.Lock();
  // One snapshot for both reads: an append committed between them would pair an old row with a
  // new head.
  SAMP11_ASSIGN_OR_RETURN(auto tx, PgTransaction::Begin(c_, "REPEATABLE READ"));
  SAMP11_ASSIGN_OR_RETURN(AuditTail tail, PgReadAuditTail(c_, node_, /*for_update=*/false));
  SAMP11_RETURN_IF_ERROR(tx->Commit());
  return tail;
}

Result<std::vector<AuditRow>> PgAuditStore::ListAuditRows(int64_t after_seq, size_t limit,
                                                          const AuditRowFilter& filter) {
  auto lock = c_.Lock();
  // Only fixed fragments go into the SQL; every value is a parameter, numbered as it is added.
  PgParams params;
  params.Text(node_.node).Int64(after_seq);
  std::string sql =
      std::string("SELECT ") + kPgAuditColumns + " FROM audit_log WHERE node = $1 AND seq > $2";
  // Each adds its value and returns its placeholder.
  auto number = [&params](int64_t value) {
    params.Int64(value);
    return "$" + std::to_string(params.count());
  };
  auto text = [&params](std::string_view value) {
    params.Text(value);
    return "$" + std::to_string(params.count());
  };
  if (filter.max_seq > 0) sql += " AND seq <= " + number(filter.max_seq);
  if (!filter.signer.empty()) sql += " AND signer = " + text(filter.signer);
  if (!filter.key_id.empty()) {
    params.Blob(filter.key_id);
    sql += " AND key_id = $" + std::to_string(params.count());
  }
  if (filter.since > 0) sql += " AND at >= " + number(filter.since);
  if (filter.until > 0) sql += " AND at <= " + number(filter.until);
  if (!filter.event.empty()) sql += " AND event = " + text(filter.event);
  sql += " ORDER BY seq LIMIT " + number(PgLimit(limit));
  SAMP11_ASSIGN_OR_RETURN(PgRows rows, c_.Exec("listing audit records", sql, params));
  std::vector<AuditRow> out;
  out.reserve(static_cast<size_t>(rows.size()));
  for (int i = 0; i < rows.size(); ++i) out.push_back(PgReadAuditRow(rows, i));
  return out;
}

}  // namespace samp11
