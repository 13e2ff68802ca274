// Master-key rotation on the SQLite store (MaintenanceStore::Rekey): every table's MACs rewritten
// in the caller's one write transaction.
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "state/sqlite/sqlite_rows.h"
#include "state/sqlite/sqlite_stores.h"

namespace samp11 {
namespace {

// Visits every row of a table a page at a time, in rowid order, lets rewrite change it, and writes
// it back. select_sql: "SELECT <columns>, rowid FROM t WHERE rowid > ? ORDER BY rowid LIMIT ?",
// read reads the columns from 0 and rowid_column is the index of rowid; update_sql ends in
// "WHERE rowid = ?" and bind binds every parameter, the rowid given to it included.
template <typename Row>
Status RekeyTable(sqlite3* db, const std::string& select_sql, Row (*read)(SqliteStatement&),
                  int rowid_column, const std::function<Status(Row&)>& rewrite,
                  const std::string& update_sql,
                  const std::function<Status(SqliteStatement&, const Row&, int64_t)>& bind) {
  constexpr int64_t kPage = 1000;
  SAMP11_ASSIGN_OR_RETURN(auto select, SqliteStatement::Prepare(db, select_sql));
  SAMP11_ASSIGN_OR_RETURN(auto update, SqliteStatement::Prepare(db, update_sql));
  int64_t after = std::numeric_limits<int64_t>::min();
  for (;;) {
    std::vector<std::pair<int64_t, Row>> page;
    SAMP11_RETURN_IF_ERROR(select.Reset());
    SAMP11_RETURN_IF_ERROR(select.BindInt64(1, after));
    SAMP11_RETURN_IF_ERROR(select.BindInt64(2, kPage));
    for (;;) {
      SAMP11_ASSIGN_OR_RETURN(bool has_row, select.Step());
      if (!has_row) break;
      page.emplace_back(select.ColumnInt64(rowid_column), read(select));
    }
    SAMP11_RETURN_IF_ERROR(select.Reset());
    if (page.empty()) return Status::Ok();
    for (auto& [rowid, row] : page) {
      SAMP11_RETURN_IF_ERROR(rewrite(row));
      SAMP11_RETURN_IF_ERROR(update.Reset());
      SAMP11_RETURN_IF_ERROR(bind(update, row, rowid));
      SAMP11_RETURN_IF_ERROR(update.Run());
      after = rowid;
    }
  }
}

Status BindMac(SqliteStatement& update, const Bytes& mac, int64_t rowid) {
  SAMP11_RETURN_IF_ERROR(update.BindBlob(1, mac));
  return update.BindInt64(2, rowid);
}

Status RekeyAudit(sqlite3* db, const RekeyPlan& plan) {
  Status walked1 = RekeyTable<AuditRow>(
      db,
      std::string("SELECT ") + kAuditColumns +
          ", rowid FROM audit_log WHERE rowid > ? ORDER BY rowid LIMIT ?",
      ReadAuditRow, 12, plan.audit_row, "UPDATE audit_log SET mac = ? WHERE rowid = ?",
      [](SqliteStatement& update, const AuditRow& row, int64_t rowid) {
        return BindMac(update, row.mac, rowid);
      });
  SAMP11_RETURN_IF_ERROR(walked1);
  SAMP11_ASSIGN_OR_RETURN(AuditTail tail, SqliteReadAuditTail(db));
  if (tail.head) {
    AuditHeadRow head = *tail.head;
    SAMP11_RETURN_IF_ERROR(plan.audit_head(head));
    SAMP11_ASSIGN_OR_RETURN(
        auto update, SqliteStatement::Prepare(db, "UPDATE audit_head SET mac = ? WHERE id = 1"));
    SAMP11_RETURN_IF_ERROR(update.BindBlob(1, head.mac));
    SAMP11_RETURN_IF_ERROR(update.Run());
  }
  return SqliteAppendAuditInTransaction(db, plan.append);
}

}  // namespace

Status SqliteRekey(sqlite3* db, const RekeyPlan& plan) {
  Status walked2 = RekeyTable<SignerRow>(
      db,
      std::string("SELECT ") + kSignerColumns +
          ", rowid FROM signers WHERE rowid > ? ORDER BY rowid LIMIT ?",
      ReadSignerRow, 6, plan.signer, "UPDATE signers SET mac = ?, status_mac = ? WHERE rowid = ?",
      [](SqliteStatement& update, const SignerRow& row, int64_t rowid) -> Status {
        SAMP11_RETURN_IF_ERROR(update.BindBlob(1, row.mac));
        SAMP11_RETURN_IF_ERROR(update.BindBlob(2, row.status_mac));
        return update.BindInt64(3, rowid);
      });
  SAMP11_RETURN_IF_ERROR(walked2);
  Status walked3 = RekeyTable<ActivationKeyRow>(
      db,
      std::string("SELECT ") + kActivationKeyColumns +
          ", rowid FROM activation_keys WHERE rowid > ? ORDER BY rowid LIMIT ?",
      ReadActivationKeyRow, 9, plan.activation_key,
      "UPDATE activation_keys SET mac = ? WHERE rowid = ?",
      [](SqliteStatement& update, const ActivationKeyRow& row, int64_t rowid) {
        return BindMac(update, row.mac, rowid);
      });
  SAMP11_RETURN_IF_ERROR(walked3);
  Status walked4 =
      RekeyTable<KeyRow>(db,
                         std::string("SELECT ") + kKeyColumns +
                             ", rowid FROM keys WHERE rowid > ? ORDER BY rowid LIMIT ?",
                         ReadKeyRow, 16, plan.key,
                         "UPDATE keys SET wrapped_private = ?, status_mac = ? WHERE rowid = ?",
                         [](SqliteStatement& update, const KeyRow& row, int64_t rowid) -> Status {
                           SAMP11_RETURN_IF_ERROR(update.BindBlob(1, row.wrapped_private));
                           SAMP11_RETURN_IF_ERROR(update.BindBlob(2, row.status_mac));
                           return update.BindInt64(3, rowid);
                         });
  SAMP11_RETURN_IF_ERROR(walked4);
  Status walked5 =
      RekeyTable<CertRow>(db,
                          std::string("SELECT ") + kCertColumns +
                              ", rowid FROM certs WHERE rowid > ? ORDER BY rowid LIMIT ?",
                          ReadCertRow, 12, plan.cert, "UPDATE certs SET mac = ? WHERE rowid = ?",
                          [](SqliteStatement& update, const CertRow& row, int64_t rowid) {
                            return BindMac(update, row.mac, rowid);
                          });
  SAMP11_RETURN_IF_ERROR(walked5);
  Status walked6 = RekeyTable<SignerPinRow>(
      db,
      std::string("SELECT ") + kPinColumns +
          ", rowid FROM signer_pins WHERE rowid > ? ORDER BY rowid LIMIT ?",
      ReadPinRow, 5, plan.pin, "UPDATE signer_pins SET mac = ? WHERE rowid = ?",
      [](SqliteStatement& update, const SignerPinRow& row, int64_t rowid) {
        return BindMac(update, row.mac, rowid);
      });
  SAMP11_RETURN_IF_ERROR(walked6);
  Status walked7 = RekeyTable<SignerSubjectRow>(
      db,
      std::string("SELECT ") + kSubjectColumns +
          ", rowid FROM signer_subjects WHERE rowid > ? ORDER BY rowid LIMIT ?",
      ReadSubjectRow, 5, plan.subject, "UPDATE signer_subjects SET mac = ? WHERE rowid = ?",
      [](SqliteStatement& update, const SignerSubjectRow& row, int64_t rowid) {
        return BindMac(update, row.mac, rowid);
      });
  SAMP11_RETURN_IF_ERROR(walked7);
  Status walked8 = RekeyTable<SignerOtpRow>(
      db,
      std::string("SELECT ") + kOtpColumns +
          ", rowid FROM signer_otp WHERE rowid > ? ORDER BY rowid LIMIT ?",
      ReadOtpRow, 7, plan.otp, "UPDATE signer_otp SET secret = ? WHERE rowid = ?",
      [](SqliteStatement& update, const SignerOtpRow& row, int64_t rowid) {
        return BindMac(update, row.wrapped_secret, rowid);
      });
  SAMP11_RETURN_IF_ERROR(walked8);
  for (const auto& [name, value] : plan.meta) {
    SAMP11_ASSIGN_OR_RETURN(
        auto stmt,
        SqliteStatement::Prepare(db, value ? "INSERT OR REPLACE INTO meta(name, value) VALUES(?, ?)"
                                           : "DELETE FROM meta WHERE name = ?"));
    SAMP11_RETURN_IF_ERROR(stmt.BindText(1, name));
    if (value) SAMP11_RETURN_IF_ERROR(stmt.BindText(2, *value));
    SAMP11_RETURN_IF_ERROR(stmt.Run());
  }
  return RekeyAudit(db, plan);
}

}  // namespace samp11
