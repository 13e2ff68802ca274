#include "keystore/sqlite_audit.h"

#include <limits>
#include <string>
#include <utility>

#include "keystore/sqlite_rekey.h"
#include "keystore/sqlite_util.h"

namespace samp11 {
namespace {

constexpr char kAuditColumns[] =
    "seq, at, pid, event, outcome, signer, key_id, kid, jti, detail, chain, mac";

AuditRow ReadAuditRow(SqliteStatement& stmt) {
  AuditRow row;
  row.seq = stmt.ColumnInt64(0);
  row.at = stmt.ColumnInt64(1);
  row.pid = stmt.ColumnInt64(2);
  row.event = stmt.ColumnText(3);
  row.outcome = stmt.ColumnText(4);
  row.signer = stmt.ColumnText(5);
  row.key_id = stmt.ColumnBlob(6);
  row.kid = stmt.ColumnText(7);
  row.jti = stmt.ColumnText(8);
  row.detail = stmt.ColumnText(9);
  row.chain = stmt.ColumnBlob(10);
  row.mac = stmt.ColumnBlob(11);
  return row;
}

// SQLite's LIMIT is a signed 64-bit integer; a size_t beyond it means "no limit" anyway.
int64_t LimitParam(size_t limit) {
  constexpr auto kMax = static_cast<size_t>(std::numeric_limits<int64_t>::max());
  return static_cast<int64_t>(limit > kMax ? kMax : limit);
}

// Reads the tail; the caller holds a transaction, so the two reads see one state.
Result<AuditTail> ReadTail(sqlite3* db) {
  AuditTail tail;
  SAMP11_ASSIGN_OR_RETURN(
      auto last, SqliteStatement::Prepare(db, std::string("SELECT ") + kAuditColumns +
                                                  " FROM audit_log ORDER BY seq DESC LIMIT 1"));
  SAMP11_ASSIGN_OR_RETURN(bool has_last, last.Step());
  if (has_last) tail.last_row = ReadAuditRow(last);
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

namespace {

// The append itself, inside the caller's write transaction.
Status AppendInTransaction(
    sqlite3* db, const std::function<Result<AuditAppend>(const AuditTail& tail)>& make_append) {
  SAMP11_ASSIGN_OR_RETURN(AuditTail tail, ReadTail(db));
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

}  // namespace

Status SqliteAppendAuditInTransaction(
    sqlite3* db, const std::function<Result<AuditAppend>(const AuditTail& tail)>& make_append) {
  return AppendInTransaction(db, make_append);
}

Status SqliteAppendAudit(
    sqlite3* db, const std::function<Result<AuditAppend>(const AuditTail& tail)>& make_append) {
  // BEGIN IMMEDIATE holds the write lock from the tail read to the commit: no other process can
  // append between them, so the new row is exactly last seq + 1 on the chain read here.
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(db));
  SAMP11_RETURN_IF_ERROR(AppendInTransaction(db, make_append));
  return tx->Commit();
}

Status SqliteRekeyAudit(sqlite3* db, const RekeyPlan& plan) {
  Status walked1 = RekeyTable<AuditRow>(
      db,
      std::string("SELECT ") + kAuditColumns +
          ", rowid FROM audit_log WHERE rowid > ? ORDER BY rowid LIMIT ?",
      ReadAuditRow, 12, plan.audit_row, "UPDATE audit_log SET mac = ? WHERE rowid = ?",
      [](SqliteStatement& update, const AuditRow& row, int64_t rowid) -> Status {
        SAMP11_RETURN_IF_ERROR(update.BindBlob(1, row.mac));
        return update.BindInt64(2, rowid);
      });
  SAMP11_RETURN_IF_ERROR(walked1);
  SAMP11_ASSIGN_OR_RETURN(AuditTail tail, ReadTail(db));
  if (tail.head) {
    AuditHeadRow head = *tail.head;
    SAMP11_RETURN_IF_ERROR(plan.audit_head(head));
    SAMP11_ASSIGN_OR_RETURN(
        auto update, SqliteStatement::Prepare(db, "UPDATE audit_head SET mac = ? WHERE id = 1"));
    SAMP11_RETURN_IF_ERROR(update.BindBlob(1, head.mac));
    SAMP11_RETURN_IF_ERROR(update.Run());
  }
  return AppendInTransaction(db, plan.append);
}

Result<AuditTail> SqliteGetAuditTail(sqlite3* db) {
  ReadTransaction tx(db);
  SAMP11_RETURN_IF_ERROR(tx.Begin());
  SAMP11_ASSIGN_OR_RETURN(AuditTail tail, ReadTail(db));
  SAMP11_RETURN_IF_ERROR(tx.End());
  return tail;
}

Result<std::vector<AuditRow>> SqliteListAuditRows(sqlite3* db, int64_t after_seq, size_t limit,
                                                  const AuditRowFilter& filter) {
  // Only fixed fragments go into the SQL; every value is bound.
  std::string sql = std::string("SELECT ") + kAuditColumns + " FROM audit_log WHERE seq > ?";
  if (filter.max_seq > 0) sql += " AND seq <= ?";
  if (!filter.signer.empty()) sql += " AND signer = ?";
  if (!filter.key_id.empty()) sql += " AND key_id = ?";
  if (filter.since > 0) sql += " AND at >= ?";
  if (filter.until > 0) sql += " AND at <= ?";
  if (!filter.event.empty()) sql += " AND event = ?";
  sql += " ORDER BY seq LIMIT ?";
  SAMP11_ASSIGN_OR_RETURN(auto stmt, SqliteStatement::Prepare(db, sql));
  int index = 1;
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(index++, after_seq));
  if (filter.max_seq > 0) SAMP11_RETURN_IF_ERROR(stmt.BindInt64(index++, filter.max_seq));
  if (!filter.signer.empty()) SAMP11_RETURN_IF_ERROR(stmt.BindText(index++, filter.signer));
  if (!filter.key_id.empty()) SAMP11_RETURN_IF_ERROR(stmt.BindBlob(index++, filter.key_id));
  if (filter.since > 0) SAMP11_RETURN_IF_ERROR(stmt.BindInt64(index++, filter.since));
  if (filter.until > 0) SAMP11_RETURN_IF_ERROR(stmt.BindInt64(index++, filter.until));
  if (!filter.event.empty()) SAMP11_RETURN_IF_ERROR(stmt.BindText(index++, filter.event));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(index, LimitParam(limit)));
  std::vector<AuditRow> rows;
  for (;;) {
    SAMP11_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) return rows;
    rows.push_back(ReadAuditRow(stmt));
  }
}

}  // namespace samp11
