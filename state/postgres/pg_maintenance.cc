// What touches the whole PostgreSQL state: the key-state version, the one-time status MAC fill,
// master-key rotation (pg_rekey.cc) and the image a backup seals (pg_image.cc).
#include <string>
#include <vector>

#include "state/postgres/pg_image.h"
#include "state/postgres/pg_rekey.h"
#include "state/postgres/pg_stores.h"

namespace samp11 {

// state_version is moved by a statement trigger on every write to meta, signers,
// activation_keys, keys and certs, whoever makes it (pg_schema.cc), and by nothing the signing
// path writes: bumping one row for every spent hash or audit record would make every node's
// signatures wait on that row. So all of the version is "others": a store cannot tell its own
// bumps from another node's, and its own writes move it too, which costs a cache refresh at most.
Result<StateVersion> PgMaintenanceStore::KeyStateVersion() {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(PgRows rows, c_.Exec("reading the state version",
                                               "SELECT version FROM state_version WHERE id = 1"));
  if (rows.size() != 1) return Status(Code::kStorage, "the state_version table has no row");
  StateVersion version;
  version.others = rows.Int64(0, 0);
  version.own = 0;
  return version;
}

Result<int64_t> PgMaintenanceStore::FillMissingLifecycleMacs(const LifecycleMacs& macs) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto tx, PgTransaction::Begin(c_));
  int64_t filled = 0;
  // FOR UPDATE: a row is filled from what it holds when it is written, not from an older copy.
  {
    SAMP11_ASSIGN_OR_RETURN(
        PgRows rows, c_.Exec("reading signers without a status MAC",
                             "SELECT name, created, status, status_changed FROM signers WHERE "
                             "status_mac IS NULL OR length(status_mac) = 0 ORDER BY name "
                             "FOR UPDATE"));
    for (int i = 0; i < rows.size(); ++i) {
      SignerRow row;
      row.name = rows.Text(i, 0);
      row.created = rows.Int64(i, 1);
      row.status = rows.Text(i, 2);
      row.status_changed = rows.Int64(i, 3);
      SAMP11_ASSIGN_OR_RETURN(Bytes mac, macs.signer(row));
      SAMP11_RETURN_IF_ERROR(c_.Exec("filling a signer's status MAC",
                                     "UPDATE signers SET status_mac = $1 WHERE name = $2",
                                     PgParams().Blob(mac).Text(row.name))
                                 .status());
      ++filled;
    }
  }
  {
    SAMP11_ASSIGN_OR_RETURN(
        PgRows rows, c_.Exec("reading keys without a status MAC",
                             "SELECT handle, id, status, status_changed, certified FROM keys "
                             "WHERE status_mac IS NULL OR length(status_mac) = 0 ORDER BY handle "
                             "FOR UPDATE"));
    for (int i = 0; i < rows.size(); ++i) {
      KeyRow row;
      row.handle = rows.Int64(i, 0);
      row.id = rows.Blob(i, 1);
      row.status = rows.Text(i, 2);
      row.status_changed = rows.Int64(i, 3);
      row.certified = rows.Int64(i, 4) != 0;
      SAMP11_ASSIGN_OR_RETURN(Bytes mac, macs.key(row));
      SAMP11_RETURN_IF_ERROR(c_.Exec("filling a key's status MAC",
                                     "UPDATE keys SET status_mac = $1 WHERE handle = $2",
                                     PgParams().Blob(mac).Int64(row.handle))
                                 .status());
      ++filled;
    }
  }
  {
    SAMP11_ASSIGN_OR_RETURN(
        PgRows rows, c_.Exec("reading certificates without a MAC",
                             "SELECT handle, key_id, der, not_before, not_after, created FROM "
                             "certs WHERE mac IS NULL OR length(mac) = 0 ORDER BY handle "
                             "FOR UPDATE"));
    for (int i = 0; i < rows.size(); ++i) {
      CertRow row;
      row.handle = rows.Int64(i, 0);
      row.key_id = rows.Blob(i, 1);
      row.der = rows.Blob(i, 2);
      row.not_before = rows.Int64(i, 3);
      row.not_after = rows.Int64(i, 4);
      row.created = rows.Int64(i, 5);
      SAMP11_ASSIGN_OR_RETURN(Bytes mac, macs.cert(row));
      SAMP11_RETURN_IF_ERROR(c_.Exec("filling a certificate's MAC",
                                     "UPDATE certs SET mac = $1 WHERE handle = $2",
                                     PgParams().Blob(mac).Int64(row.handle))
                                 .status());
      ++filled;
    }
  }
  SAMP11_RETURN_IF_ERROR(tx->Commit());
  return filled;
}

Status PgMaintenanceStore::Rekey(const RekeyPlan& plan) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto tx, PgTransaction::Begin(c_));
  SAMP11_RETURN_IF_ERROR(PgRekey(c_, node_, plan));
  return tx->Commit();
}

// The store's own connection, its lock held for the read: other connections and nodes go on
// writing meanwhile (REPEATABLE READ reads one instant without blocking them), this store's other
// callers wait for it.
Result<StateImage> PgMaintenanceStore::Snapshot() {
  auto lock = c_.Lock();
  return PgTakeImage(c_, node_.node);
}

}  // namespace samp11
