#include <string>

#include "state/sqlite/sqlite_rows.h"
#include "state/sqlite/sqlite_stores.h"

namespace samp11 {

Status SqliteCertStore::InsertCert(CertRow& row) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(c_.db()));
  SAMP11_ASSIGN_OR_RETURN(
      auto stmt,
      c_.Prepare("INSERT INTO certs(key_id, label, der, subject_der, issuer_der, serial_der, "
                 "subject_text, not_before, not_after, created, mac) "
                 "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  SAMP11_RETURN_IF_ERROR(stmt.BindBlob(1, row.key_id));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(2, row.label));
  SAMP11_RETURN_IF_ERROR(stmt.BindBlob(3, row.der));
  SAMP11_RETURN_IF_ERROR(stmt.BindBlob(4, row.subject_der));
  SAMP11_RETURN_IF_ERROR(stmt.BindBlob(5, row.issuer_der));
  SAMP11_RETURN_IF_ERROR(stmt.BindBlob(6, row.serial_der));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(7, row.subject_text));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(8, row.not_before));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(9, row.not_after));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(10, row.created));
  SAMP11_RETURN_IF_ERROR(stmt.BindBlob(11, row.mac));
  SAMP11_RETURN_IF_ERROR(c_.RunInsert(stmt, "certificate already exists",
                                      "no key " + HexEncode(row.key_id) + " for the certificate"));
  int64_t handle = sqlite3_last_insert_rowid(c_.db());
  SAMP11_RETURN_IF_ERROR(tx->Commit());
  row.handle = handle;
  return Status::Ok();
}

Result<std::optional<CertRow>> SqliteCertStore::FindCertByHandle(int64_t handle) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto stmt, c_.Prepare(std::string("SELECT ") + kCertColumns +
                                                " FROM certs WHERE handle = ?"));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(1, handle));
  return ReadOne(stmt, ReadCertRow);
}

Result<std::vector<CertRow>> SqliteCertStore::FindCertsByKeyId(const Bytes& key_id) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto stmt, c_.Prepare(std::string("SELECT ") + kCertColumns +
                                                " FROM certs WHERE key_id = ? ORDER BY handle"));
  SAMP11_RETURN_IF_ERROR(stmt.BindBlob(1, key_id));
  return ReadAll(stmt, ReadCertRow);
}

Result<std::vector<CertRow>> SqliteCertStore::FindCertsByLabel(std::string_view label,
                                                               int64_t after, size_t limit) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto stmt,
                          c_.Prepare(std::string("SELECT ") + kCertColumns +
                                     " FROM certs WHERE label = ? AND handle > ? ORDER BY handle "
                                     "LIMIT ?"));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(1, label));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(2, after));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(3, LimitParam(limit)));
  return ReadAll(stmt, ReadCertRow);
}

Result<std::vector<CertRow>> SqliteCertStore::ListCerts(int64_t after, size_t limit) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto stmt,
                          c_.Prepare(std::string("SELECT ") + kCertColumns +
                                     " FROM certs WHERE handle > ? ORDER BY handle LIMIT ?"));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(1, after));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(2, LimitParam(limit)));
  return ReadAll(stmt, ReadCertRow);
}

}  // namespace samp11
