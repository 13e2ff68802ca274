// Signers and activation keys, and the signer lifecycle's writes.
#include <string>

#include "state/sqlite/sqlite_rows.h"
#include "state/sqlite/sqlite_stores.h"

namespace samp11 {
namespace {

constexpr char kUpdateStatus[] =
    "UPDATE signers SET status = ?, status_changed = ?, status_mac = ? WHERE name = ?";

// Inside the caller's transaction; kNotFound if there is no such signer.
Status WriteStatus(SqliteConnection& c, const SignerRow& row) {
  SAMP11_ASSIGN_OR_RETURN(auto stmt, c.Prepare(kUpdateStatus));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(1, row.status));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(2, row.status_changed));
  SAMP11_RETURN_IF_ERROR(stmt.BindBlob(3, row.status_mac));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(4, row.name));
  SAMP11_RETURN_IF_ERROR(stmt.Run());
  if (sqlite3_changes(c.db()) != 1) return Status(Code::kNotFound, "no signer '" + row.name + "'");
  return Status::Ok();
}

}  // namespace

Status SqliteSignerStore::InsertSigner(const SignerRow& row) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(c_.db()));
  SAMP11_ASSIGN_OR_RETURN(auto stmt, c_.Prepare(std::string("INSERT INTO signers(") +
                                                kSignerColumns + ") VALUES(?, ?, ?, ?, ?, ?)"));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(1, row.name));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(2, row.created));
  SAMP11_RETURN_IF_ERROR(stmt.BindBlob(3, row.mac));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(4, row.status));
  SAMP11_RETURN_IF_ERROR(stmt.BindInt64(5, row.status_changed));
  SAMP11_RETURN_IF_ERROR(stmt.BindBlob(6, row.status_mac));
  SAMP11_RETURN_IF_ERROR(c_.RunInsert(stmt, "signer '" + row.name + "' already exists"));
  return tx->Commit();
}

Result<std::optional<SignerRow>> SqliteSignerStore::FindSigner(std::string_view name) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto stmt, c_.Prepare(std::string("SELECT ") + kSignerColumns +
                                                " FROM signers WHERE name = ?"));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(1, name));
  return ReadOne(stmt, ReadSignerRow);
}

Result<std::vector<SignerRow>> SqliteSignerStore::ListSigners() {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto stmt, c_.Prepare(std::string("SELECT ") + kSignerColumns +
                                                " FROM signers ORDER BY name"));
  return ReadAll(stmt, ReadSignerRow);
}

Status SqliteSignerStore::UpdateSignerStatus(const SignerRow& row) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(c_.db()));
  SAMP11_RETURN_IF_ERROR(WriteStatus(c_, row));
  return tx->Commit();
}

Status SqliteSignerStore::RemoveSigner(const SignerRow& row) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(c_.db()));
  {  // checked inside the transaction: no key can be added or enabled meanwhile
    SAMP11_ASSIGN_OR_RETURN(
        auto live,
        c_.Prepare("SELECT count(*) FROM keys WHERE owner = ? AND status != 'destroyed'"));
    SAMP11_RETURN_IF_ERROR(live.BindText(1, row.name));
    SAMP11_ASSIGN_OR_RETURN(bool has_row, live.Step());
    if (!has_row) return SqliteError(c_.db(), "counting a signer's keys");
    if (int64_t count = live.ColumnInt64(0); count > 0) {
      return Status(Code::kArgumentsBad, "signer '" + row.name + "' still has " +
                                             std::to_string(count) +
                                             " key(s): destroy them first (or --destroy-keys)");
    }
  }
  for (const char* sql :
       {"DELETE FROM activation_keys WHERE owner = ? AND role = 'device'",
        "DELETE FROM signer_pins WHERE name = ?", "DELETE FROM signer_subjects WHERE signer = ?",
        "DELETE FROM signer_otp WHERE name = ?"}) {
    SAMP11_ASSIGN_OR_RETURN(auto stmt, c_.Prepare(sql));
    SAMP11_RETURN_IF_ERROR(stmt.BindText(1, row.name));
    SAMP11_RETURN_IF_ERROR(stmt.Run());
  }
  SAMP11_RETURN_IF_ERROR(WriteStatus(c_, row));
  return tx->Commit();
}

Status SqliteSignerStore::InsertActivationKey(const ActivationKeyRow& row) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(c_.db()));
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
  return tx->Commit();
}

Result<std::optional<ActivationKeyRow>> SqliteSignerStore::FindActivationKey(std::string_view kid) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto stmt, c_.Prepare(std::string("SELECT ") + kActivationKeyColumns +
                                                " FROM activation_keys WHERE kid = ?"));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(1, kid));
  return ReadOne(stmt, ReadActivationKeyRow);
}

Result<std::vector<ActivationKeyRow>> SqliteSignerStore::ListActivationKeys() {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto stmt, c_.Prepare(std::string("SELECT ") + kActivationKeyColumns +
                                                " FROM activation_keys ORDER BY kid"));
  return ReadAll(stmt, ReadActivationKeyRow);
}

Status SqliteSignerStore::UpdateActivationKeys(const std::vector<ActivationKeyRow>& rows) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(c_.db()));
  for (const ActivationKeyRow& row : rows) {
    SAMP11_ASSIGN_OR_RETURN(
        auto stmt,
        c_.Prepare(
            "UPDATE activation_keys SET status = ?, status_changed = ?, mac = ? WHERE kid = ?"));
    SAMP11_RETURN_IF_ERROR(stmt.BindText(1, row.status));
    SAMP11_RETURN_IF_ERROR(stmt.BindInt64(2, row.status_changed));
    SAMP11_RETURN_IF_ERROR(stmt.BindBlob(3, row.mac));
    SAMP11_RETURN_IF_ERROR(stmt.BindText(4, row.kid));
    SAMP11_RETURN_IF_ERROR(stmt.Run());
    if (sqlite3_changes64(c_.db()) != 1) {
      return Status(Code::kNotFound, "no activation key '" + row.kid + "'");  // rolled back
    }
  }
  return tx->Commit();
}

Status SqliteSignerStore::DeleteActivationKey(std::string_view kid) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(c_.db()));
  SAMP11_ASSIGN_OR_RETURN(auto stmt, c_.Prepare("DELETE FROM activation_keys WHERE kid = ?"));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(1, kid));
  SAMP11_RETURN_IF_ERROR(stmt.Run());
  if (sqlite3_changes64(c_.db()) == 0) {
    return Status(Code::kNotFound, "no activation key '" + std::string(kid) + "'");
  }
  return tx->Commit();
}

}  // namespace samp11
