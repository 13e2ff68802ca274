// Signers and activation keys, and the signer lifecycle's writes.
#include <string>

#include "state/postgres/pg_rows.h"
#include "state/postgres/pg_stores.h"

namespace samp11 {
namespace {

// Inside the caller's transaction; kNotFound if there is no such signer. Every write to signers
// moves state_version (a statement trigger, which fires even when no row changed): the caller
// rolls back on kNotFound, so nothing moves then, as in SQLite.
Status WriteStatus(PgConnection& c, const SignerRow& row) {
  SAMP11_ASSIGN_OR_RETURN(
      PgRows updated,
      c.Exec("writing a signer's status",
             "UPDATE signers SET status = $1, status_changed = $2, status_mac = $3 WHERE name = $4",
             PgParams()
                 .Text(row.status)
                 .Int64(row.status_changed)
                 .Blob(row.status_mac)
                 .Text(row.name)));
  if (updated.affected() != 1) return Status(Code::kNotFound, "no signer '" + row.name + "'");
  return Status::Ok();
}

}  // namespace

Status PgSignerStore::InsertSigner(const SignerRow& row) {
  auto lock = c_.Lock();
  Result<PgRows> inserted = c_.Exec(
      "adding a signer",
      std::string("INSERT INTO signers(") + kPgSignerColumns + ") VALUES($1, $2, $3, $4, $5, $6)",
      PgParams()
          .Text(row.name)
          .Int64(row.created)
          .Blob(row.mac)
          .Text(row.status)
          .Int64(row.status_changed)
          .Blob(row.status_mac));
  if (!inserted.ok()) {
    return PgRefused(inserted.status(), "signer '" + row.name + "' already exists");
  }
  return Status::Ok();
}

Result<std::optional<SignerRow>> PgSignerStore::FindSigner(std::string_view name) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(PgRows rows, c_.Exec("reading a signer",
                                               std::string("SELECT ") + kPgSignerColumns +
                                                   " FROM signers WHERE name = $1",
                                               PgParams().Text(name)));
  return PgReadOne(rows, PgReadSignerRow);
}

Result<std::vector<SignerRow>> PgSignerStore::ListSigners() {
  auto lock = c_.Lock();
  // COLLATE "C": by bytes, as SQLite orders text, whatever the database's locale.
  SAMP11_ASSIGN_OR_RETURN(
      PgRows rows, c_.Exec("listing signers", std::string("SELECT ") + kPgSignerColumns +
                                                  " FROM signers ORDER BY name COLLATE \"C\""));
  return PgReadAll(rows, PgReadSignerRow);
}

Status PgSignerStore::UpdateSignerStatus(const SignerRow& row) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto tx, PgTransaction::Begin(c_));
  SAMP11_RETURN_IF_ERROR(WriteStatus(c_, row));
  return tx->Commit();
}

Status PgSignerStore::RemoveSigner(const SignerRow& row) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto tx, PgTransaction::Begin(c_));
  // SQLite's write lock keeps keys from being added while the count below is taken; here the
  // signer's row, locked FOR UPDATE, does: a key insert's foreign key check takes a KEY SHARE
  // lock on it and so waits for this transaction (and an insert that came first is committed
  // before the lock is granted, and counted). A destroyed key never comes back.
  SAMP11_ASSIGN_OR_RETURN(
      PgRows signer, c_.Exec("locking a signer", "SELECT 1 FROM signers WHERE name = $1 FOR UPDATE",
                             PgParams().Text(row.name)));
  if (signer.size() == 0) return Status(Code::kNotFound, "no signer '" + row.name + "'");
  SAMP11_ASSIGN_OR_RETURN(
      PgRows live, c_.Exec("counting a signer's keys",
                           "SELECT count(*) FROM keys WHERE owner = $1 AND status != 'destroyed'",
                           PgParams().Text(row.name)));
  if (int64_t count = live.Int64(0, 0); count > 0) {
    return Status(Code::kArgumentsBad, "signer '" + row.name + "' still has " +
                                           std::to_string(count) +
                                           " key(s): destroy them first (or --destroy-keys)");
  }
  for (const char* sql :
       {"DELETE FROM activation_keys WHERE owner = $1 AND role = 'device'",
        "DELETE FROM signer_pins WHERE name = $1", "DELETE FROM signer_subjects WHERE signer = $1",
        "DELETE FROM signer_otp WHERE name = $1"}) {
    SAMP11_RETURN_IF_ERROR(c_.Exec("removing a signer", sql, PgParams().Text(row.name)).status());
  }
  SAMP11_RETURN_IF_ERROR(WriteStatus(c_, row));
  return tx->Commit();
}

Status PgSignerStore::InsertActivationKey(const ActivationKeyRow& row) {
  auto lock = c_.Lock();
  Result<PgRows> inserted =
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
  if (!inserted.ok()) {
    return PgRefused(inserted.status(), "activation key '" + row.kid + "' already exists");
  }
  return Status::Ok();
}

Result<std::optional<ActivationKeyRow>> PgSignerStore::FindActivationKey(std::string_view kid) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(PgRows rows, c_.Exec("reading an activation key",
                                               std::string("SELECT ") + kPgActivationKeyColumns +
                                                   " FROM activation_keys WHERE kid = $1",
                                               PgParams().Text(kid)));
  return PgReadOne(rows, PgReadActivationKeyRow);
}

Result<std::vector<ActivationKeyRow>> PgSignerStore::ListActivationKeys() {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(
      PgRows rows,
      c_.Exec("listing activation keys", std::string("SELECT ") + kPgActivationKeyColumns +
                                             " FROM activation_keys ORDER BY kid COLLATE \"C\""));
  return PgReadAll(rows, PgReadActivationKeyRow);
}

Status PgSignerStore::UpdateActivationKeys(const std::vector<ActivationKeyRow>& rows) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto tx, PgTransaction::Begin(c_));
  for (const ActivationKeyRow& row : rows) {
    SAMP11_ASSIGN_OR_RETURN(
        PgRows updated,
        c_.Exec("writing an activation key's status",
                "UPDATE activation_keys SET status = $1, status_changed = $2, mac = $3 WHERE kid = "
                "$4",
                PgParams().Text(row.status).Int64(row.status_changed).Blob(row.mac).Text(row.kid)));
    if (updated.affected() != 1) {
      return Status(Code::kNotFound, "no activation key '" + row.kid + "'");  // rolled back
    }
  }
  return tx->Commit();
}

Status PgSignerStore::DeleteActivationKey(std::string_view kid) {
  auto lock = c_.Lock();
  // A transaction for one statement: the trigger moves state_version even when nothing is
  // deleted, and the rollback on kNotFound undoes that.
  SAMP11_ASSIGN_OR_RETURN(auto tx, PgTransaction::Begin(c_));
  SAMP11_ASSIGN_OR_RETURN(
      PgRows deleted, c_.Exec("deleting an activation key",
                              "DELETE FROM activation_keys WHERE kid = $1", PgParams().Text(kid)));
  if (deleted.affected() == 0) {
    return Status(Code::kNotFound, "no activation key '" + std::string(kid) + "'");
  }
  return tx->Commit();
}

}  // namespace samp11
