// Subjects enrolled as signers, and an authorization server's key set replaced at once.
#include <string>

#include "state/sqlite/sqlite_rows.h"
#include "state/sqlite/sqlite_stores.h"

namespace samp11 {

Status SqliteSignerStore::ReplaceActivationKeys(const std::vector<ActivationKeyRow>& inserted,
                                                const std::vector<std::string>& deleted) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(c_.db()));
  for (const std::string& kid : deleted) {
    SAMP11_ASSIGN_OR_RETURN(auto stmt, c_.Prepare("DELETE FROM activation_keys WHERE kid = ?"));
    SAMP11_RETURN_IF_ERROR(stmt.BindText(1, kid));
    SAMP11_RETURN_IF_ERROR(stmt.Run());
    if (sqlite3_changes64(c_.db()) == 0) {
      return Status(Code::kNotFound, "no activation key '" + kid + "'");  // rolled back
    }
  }
  for (const ActivationKeyRow& row : inserted) {
    SAMP11_ASSIGN_OR_RETURN(
        auto stmt, c_.Prepare(std::string("INSERT INTO activation_keys(") + kActivationKeyColumns +
                              ") VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    SAMP11_RETURN_IF_ERROR(stmt.BindText(1, row.kid));
    SAMP11_RETURN_IF_ERROR(stmt.BindText(2, row.role));
    SAMP11_RETURN_IF_ERROR(stmt.BindText(3, row.owner));
    SAMP11_RETURN_IF_ERROR(stmt.BindText(4, row.alg));
    SAMP11_RETURN_IF_ERROR(stmt.BindBlob(5, row.public_spki));
    SAMP11_RETURN_IF_ERROR(stmt.BindInt64(6, row.created));
    SAMP11_RETURN_IF_ERROR(stmt.BindBlob(7, row.mac));
    SAMP11_RETURN_IF_ERROR(stmt.BindText(8, row.status));
    SAMP11_RETURN_IF_ERROR(stmt.BindInt64(9, row.status_changed));
    SAMP11_RETURN_IF_ERROR(c_.RunInsert(stmt, "activation key '" + row.kid + "' already exists"));
  }
  return tx->Commit();
}

Status SqliteSignerStore::InsertSignerSubject(const SignerSubjectRow& row) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(c_.db()));
  SAMP11_ASSIGN_OR_RETURN(auto stmt, c_.Prepare(std::string("INSERT INTO signer_subjects(") +
                                                kSubjectColumns + ") VALUES(?, ?, ?, ?, ?)"));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(1, row.issuer));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(2, row.subject));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(3, row.signer));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(4, row.created));
  SAMP11_RETURN_IF_ERROR(stmt.BindBlob(5, row.mac));
  SAMP11_RETURN_IF_ERROR(c_.RunInsert(
      stmt, "subject '" + row.subject + "' of issuer '" + row.issuer + "' is already enrolled",
      "no signer '" + row.signer + "'"));
  return tx->Commit();
}

Result<std::optional<SignerSubjectRow>> SqliteSignerStore::FindSignerSubject(
    std::string_view issuer, std::string_view subject) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto stmt,
                          c_.Prepare(std::string("SELECT ") + kSubjectColumns +
                                     " FROM signer_subjects WHERE issuer = ? AND subject = ?"));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(1, issuer));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(2, subject));
  return ReadOne(stmt, ReadSubjectRow);
}

Result<std::vector<SignerSubjectRow>> SqliteSignerStore::ListSignerSubjects() {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto stmt, c_.Prepare(std::string("SELECT ") + kSubjectColumns +
                                                " FROM signer_subjects ORDER BY issuer, subject"));
  return ReadAll(stmt, ReadSubjectRow);
}

Status SqliteSignerStore::DeleteSignerSubject(std::string_view issuer, std::string_view subject) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(c_.db()));
  SAMP11_ASSIGN_OR_RETURN(
      auto stmt, c_.Prepare("DELETE FROM signer_subjects WHERE issuer = ? AND subject = ?"));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(1, issuer));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(2, subject));
  SAMP11_RETURN_IF_ERROR(stmt.Run());
  if (sqlite3_changes64(c_.db()) == 0) {
    return Status(Code::kNotFound, "subject '" + std::string(subject) + "' of issuer '" +
                                       std::string(issuer) + "' is not enrolled");
  }
  return tx->Commit();
}

}  // namespace samp11
