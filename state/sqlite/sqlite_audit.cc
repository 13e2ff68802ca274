// The audit log's rows: audit_log and its one-row audit_head. No crypto here: the chain and the
// MACs are keystore/audit_log.h's.
#include <string>
#include <utility>

#include "state/sqlite/sqlite_rows.h"
#include "state/sqlite/sqlite_stores.h"

namespace samp11 {
namespace {

// A deferred read transaction: in WAL mode its reads share one snapshot while writers go on.
class ReadTransaction {
 public:
  explicit ReadTransaction(sqlite3* db) : db_(db) {}
  ~ReadTransaction() {
    if (open_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;

  Status Begin() {
    SAMP11_RETURN_IF_ERROR(SqliteExec(db_, "BEGIN"));
    open_ = true;
    return Status::Ok();
  }
  Status End() {
    open_ = false;
    return SqliteExec(db_, "COMMIT");
  }

 private:
  sqlite3* db_;
  bool open_ = false;
};

}  // namespace

Result<AuditTail> SqliteReadAuditTail(sqlite3* db) {
  AuditTail tail;
  SAMP11_ASSIGN_OR_RETURN(
      auto last, SqliteStatement::Prepare(db, std::string("SELECT ") + kAuditColumns +
                                                  " FROM audit_log ORDER BY seq DESC LIMIT 1"));
  SAMP11_ASSIGN_OR_RETURN(tail.last_row, ReadOne(last, ReadAuditRow));
  SAMP11_ASSIGN_OR_RETURN(
      auto head,
      SqliteStatement::Prepare(db, "SELECT seq, chain, mac FROM audit_head WHERE id = 1"));
  SAMP11_ASSIGN_OR_RETURN(bool has_head, head.Step());
  if (has_head) {
    AuditHeadRow row;
    row.seq = head.ColumnInt64(0);
    row.chain = head.ColumnBlob(1);
    row.mac = head.ColumnBlob(2);
    tail.head = std::move(row);
  }
  return tail;
}

Status SqliteAppendAuditInTransaction(
    sqlite3* db, const std::function<Result<AuditAppend>(const AuditTail& tail)>& make_append) {
  SAMP11_ASSIGN_OR_RETURN(AuditTail tail, SqliteReadAuditTail(db));
  SAMP11_ASSIGN_OR_RETURN(AuditAppend append, make_append(tail));
  const AuditRow& row = append.row;
  SAMP11_ASSIGN_OR_RETURN(
      auto insert,
      SqliteStatement::Prepare(db, std::string("INSERT INTO audit_log(") + kAuditColumns +
                                       ") VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  SAMP11_RETURN_IF_ERROR(insert.BindInt64(1, row.seq));
  SAMP11_RETURN_IF_ERROR(insert.BindInt64(2, row.at));
  SAMP11_RETURN_IF_ERROR(insert.BindInt64(3, row.pid));
  SAMP11_RETURN_IF_ERROR(insert.BindText(4, row.event));
  SAMP11_RETURN_IF_ERROR(insert.BindText(5, row.outcome));
  SAMP11_RETURN_IF_ERROR(insert.BindText(6, row.signer));
  SAMP11_RETURN_IF_ERROR(insert.BindBlob(7, row.key_id));
  SAMP11_RETURN_IF_ERROR(insert.BindText(8, row.kid));
  SAMP11_RETURN_IF_ERROR(insert.BindText(9, row.jti));
  SAMP11_RETURN_IF_ERROR(insert.BindText(10, row.detail));
  SAMP11_RETURN_IF_ERROR(insert.BindBlob(11, row.chain));
  SAMP11_RETURN_IF_ERROR(insert.BindBlob(12, row.mac));
  int rc = insert.StepRaw();
  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return Status(Code::kTampered, "audit record " + std::to_string(row.seq) +
                                       " already exists: the audit head is behind the log");
  }
  if (rc != SQLITE_DONE) return SqliteError(db, "appending an audit record");
  SAMP11_ASSIGN_OR_RETURN(
      auto head,
      SqliteStatement::Prepare(
          db, "INSERT OR REPLACE INTO audit_head(id, seq, chain, mac) VALUES(1, ?, ?, ?)"));
  SAMP11_RETURN_IF_ERROR(head.BindInt64(1, append.head.seq));
  SAMP11_RETURN_IF_ERROR(head.BindBlob(2, append.head.chain));
  SAMP11_RETURN_IF_ERROR(head.BindBlob(3, append.head.mac));
  return head.Run();
}

Result<AuditTail> SqliteAuditStore::GetAuditTail() {
  auto lock = c_.Lock();
  ReadTransaction tx(c_.db());
  SAMP11_RETURN_IF_ERROR(tx.Begin());
  SAMP11_ASSIGN_OR_RETURN(AuditTail tail, SqliteReadAuditTail(c_.db()));
  SAMP11_RETURN_IF_ERROR(tx.End());
  return tail;
}

Result<std::vector<AuditRow>> SqliteAuditStore::ListAuditRows(int64_t after_seq, size_t limit,
                                                              const AuditRowFilter& filter) {
  auto lock = c_.Lock();
  // Only fixed fragments go into the SQL; every value is bound.
  std::string sql = std::string("SELECT ") + kAuditColumns + " FROM audit_log WHERE seq > ?";
  if (filter.max_seq > 0) sql += " AND seq <= ?";
  if (!filter.signer.empty()) sql += " AND signer = ?";
  if (!filter.key_id.empty()) sql += " AND key_id = ?";
  if (filter.since > 0) sql += " AND at >= ?";
  if (filter.until > 0) sql += " AND at <= ?";
  if (!filter.event.empty()) sql += " AND event = ?";
  sql += " ORDER BY seq LIMIT ?";
  SAMP11_ASSIGN_OR_RETURN(auto stmt, c_.Prepare(sql));
  int index = 1;
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(index++, after_seq));
  if (filter.max_seq > 0) SAMP11_RETURN_IF_ERROR(stmt.BindInt64(index++, filter.max_seq));
  if (!filter.signer.empty()) SAMP11_RETURN_IF_ERROR(stmt.BindText(index++, filter.signer));
  if (!filter.key_id.empty()) SAMP11_RETURN_IF_ERROR(stmt.BindBlob(index++, filter.key_id));
  if (filter.since > 0) SAMP11_RETURN_IF_ERROR(stmt.BindInt64(index++, filter.since));
  if (filter.until > 0) SAMP11_RETURN_IF_ERROR(stmt.BindInt64(index++, filter.until));
  if (!filter.event.empty()) SAMP11_RETURN_IF_ERROR(stmt.BindText(index++, filter.event));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(index, LimitParam(limit)));
  return ReadAll(stmt, ReadAuditRow);
}

}  // namespace samp11
