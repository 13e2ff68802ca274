// Subjects enrolled as signers, and an authorization server's key set replaced at once.
#include <string>

#include "state/postgres/pg_rows.h"
#include "state/postgres/pg_stores.h"

namespace samp11 {

Status PgSignerStore::ReplaceActivationKeys(const std::vector<ActivationKeyRow>& inserted,
                                            const std::vector<std::string>& deleted) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto tx, PgTransaction::Begin(c_));
  for (const std::string& kid : deleted) {
    SAMP11_ASSIGN_OR_RETURN(
        PgRows gone, c_.Exec("deleting an activation key",
                             "DELETE FROM activation_keys WHERE kid = $1", PgParams().Text(kid)));
    if (gone.affected() == 0) {
      return Status(Code::kNotFound, "no activation key '" + kid + "'");  // rolled back
    }
  }
  for (const ActivationKeyRow& row : inserted) {
    Result<PgRows> added =
        c_.Exec("adding an activation key",
                std::string("INSERT INTO activation_keys(") + kPgActivationKeyColumns +
                    ") VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                PgParams()
                    .Text(row.kid)
                    .Text(row.role)
                    .Text(row.owner)
                    .Text(row.alg)
                    .Blob(row.public_spki)
                    .Int64(row.created)
                    .Blob(row.mac)
                    .Text(row.status)
                    .Int64(row.status_changed));
    if (!added.ok()) {
      return PgRefused(added.status(), "activation key '" + row.kid + "' already exists");
    }
  }
  return tx->Commit();
}

Status PgSignerStore::InsertSignerSubject(const SignerSubjectRow& row) {
  auto lock = c_.Lock();
  Result<PgRows> inserted = c_.Exec("enrolling a subject",
                                    std::string("INSERT INTO signer_subjects(") +
                                        kPgSubjectColumns + ") VALUES($1, $2, $3, $4, $5)",
                                    PgParams()
                                        .Text(row.issuer)
                                        .Text(row.subject)
                                        .Text(row.signer)
                                        .Int64(row.created)
                                        .Blob(row.mac));
  if (!inserted.ok()) {
    return PgRefused(
        inserted.status(),
        "subject '" + row.subject + "' of issuer '" + row.issuer + "' is already enrolled",
        "no signer '" + row.signer + "'");
  }
  return Status::Ok();
}

Result<std::optional<SignerSubjectRow>> PgSignerStore::FindSignerSubject(std::string_view issuer,
                                                                         std::string_view subject) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(PgRows rows,
                          c_.Exec("reading a subject",
                                  std::string("SELECT ") + kPgSubjectColumns +
                                      " FROM signer_subjects WHERE issuer = $1 AND subject = $2",
                                  PgParams().Text(issuer).Text(subject)));
  return PgReadOne(rows, PgReadSubjectRow);
}

Result<std::vector<SignerSubjectRow>> PgSignerStore::ListSignerSubjects() {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(
      PgRows rows,
      c_.Exec("listing subjects", std::string("SELECT ") + kPgSubjectColumns +
                                      " FROM signer_subjects ORDER BY issuer COLLATE \"C\", "
                                      "subject COLLATE \"C\""));
  return PgReadAll(rows, PgReadSubjectRow);
}

Status PgSignerStore::DeleteSignerSubject(std::string_view issuer, std::string_view subject) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(PgRows deleted,
                          c_.Exec("removing a subject",
                                  "DELETE FROM signer_subjects WHERE issuer = $1 AND subject = $2",
                                  PgParams().Text(issuer).Text(subject)));
  if (deleted.affected() == 0) {
    return Status(Code::kNotFound, "subject '" + std::string(subject) + "' of issuer '" +
                                       std::string(issuer) + "' is not enrolled");
  }
  return Status::Ok();
}

}  // namespace samp11
