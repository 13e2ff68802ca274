// Certificates of the signing keys: the certs table.
#include <string>

#include "state/postgres/pg_rows.h"
#include "state/postgres/pg_stores.h"

namespace samp11 {

Status PgCertStore::InsertCert(CertRow& row) {
  auto lock = c_.Lock();
  // One statement: whole or not; the handle is the identity column's, never given twice.
  Result<PgRows> inserted =
      c_.Exec("adding a certificate",
              "INSERT INTO certs(key_id, label, der, subject_der, issuer_der, serial_der, "
              "subject_text, not_before, not_after, created, mac) "
              "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING handle",
              PgParams()
                  .Blob(row.key_id)
                  .Text(row.label)
                  .Blob(row.der)
                  .Blob(row.subject_der)
                  .Blob(row.issuer_der)
                  .Blob(row.serial_der)
                  .Text(row.subject_text)
                  .Int64(row.not_before)
                  .Int64(row.not_after)
                  .Int64(row.created)
                  .Blob(row.mac));
  if (!inserted.ok()) {
    return PgRefused(inserted.status(), "certificate already exists",
                     "no key " + HexEncode(row.key_id) + " for the certificate");
  }
  row.handle = inserted->Int64(0, 0);
  return Status::Ok();
}

Result<std::optional<CertRow>> PgCertStore::FindCertByHandle(int64_t handle) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(PgRows rows, c_.Exec("reading a certificate",
                                               std::string("SELECT ") + kPgCertColumns +
                                                   " FROM certs WHERE handle = $1",
                                               PgParams().Int64(handle)));
  return PgReadOne(rows, PgReadCertRow);
}

Result<std::vector<CertRow>> PgCertStore::FindCertsByKeyId(const Bytes& key_id) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(PgRows rows, c_.Exec("reading a key's certificates",
                                               std::string("SELECT ") + kPgCertColumns +
                                                   " FROM certs WHERE key_id = $1 ORDER BY handle",
                                               PgParams().Blob(key_id)));
  return PgReadAll(rows, PgReadCertRow);
}

Result<std::vector<CertRow>> PgCertStore::FindCertsByLabel(std::string_view label, int64_t after,
                                                           size_t limit) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(
      PgRows rows,
      c_.Exec("listing certificates",
              std::string("SELECT ") + kPgCertColumns +
                  " FROM certs WHERE label = $1 AND handle > $2 ORDER BY handle LIMIT $3",
              PgParams().Text(label).Int64(after).Int64(PgLimit(limit))));
  return PgReadAll(rows, PgReadCertRow);
}

Result<std::vector<CertRow>> PgCertStore::ListCerts(int64_t after, size_t limit) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(PgRows rows, c_.Exec("listing certificates",
                                               std::string("SELECT ") + kPgCertColumns +
                                                   " FROM certs WHERE handle > $1 ORDER BY handle "
                                                   "LIMIT $2",
                                               PgParams().Int64(after).Int64(PgLimit(limit))));
  return PgReadAll(rows, PgReadCertRow);
}

}  // namespace samp11
