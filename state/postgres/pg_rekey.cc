// Master-key rotation on the PostgreSQL state: every table's MACs rewritten in the caller's one
// transaction, a page of rows at a time, each row written back by its primary key.
#include "state/postgres/pg_rekey.h"

#include <string>
#include <vector>

namespace samp11 {
namespace {

constexpr int kPage = 1000;

// How one table is walked: the columns read (from column 0, by read), then its primary key's
// key_columns columns; update sets the columns bind gives ($1..) where the key ($n..) matches.
template <typename Row>
struct TableWalk {
  const char* table;
  const char* columns;
  int column_count;
  const char* key;
  int key_columns;
  Row (*read)(const PgRows& rows, int i);
  const char* update_set;  // "mac = $1, status_mac = $2"
  void (*bind)(PgParams& params, const Row& row);
  int bound;  // how many parameters bind adds
};

std::string Placeholders(int first, int count) {
  std::string list;
  for (int i = 0; i < count; ++i) list += (i ? ", $" : "$") + std::to_string(first + i);
  return list;
}

// The key is carried as text: PostgreSQL reads it back with the column's type.
template <typename Row>
Status RekeyTable(PgConnection& c, const TableWalk<Row>& walk,
                  const std::function<Status(Row&)>& rewrite) {
  const std::string context = std::string("re-keying ") + walk.table;
  const std::string update = std::string("UPDATE ") + walk.table + " SET " + walk.update_set +
                             " WHERE (" + walk.key + ") = (" +
                             Placeholders(walk.bound + 1, walk.key_columns) + ")";
  std::vector<std::string> after;  // the key of the last row visited; empty: from the first
  for (;;) {
    std::string select =
        std::string("SELECT ") + walk.columns + ", " + walk.key + " FROM " + walk.table;
    PgParams select_params;
    if (!after.empty()) {
      select +=
          std::string(" WHERE (") + walk.key + ") > (" + Placeholders(1, walk.key_columns) + ")";
      for (const std::string& value : after) select_params.Text(value);
    }
    select += std::string(" ORDER BY ") + walk.key + " LIMIT " + std::to_string(kPage);
    SAMP11_ASSIGN_OR_RETURN(PgRows rows, c.Exec(context, select, select_params));
    if (rows.size() == 0) return Status::Ok();
    for (int i = 0; i < rows.size(); ++i) {
      Row row = walk.read(rows, i);
      SAMP11_RETURN_IF_ERROR(rewrite(row));
      after.clear();
      for (int k = 0; k < walk.key_columns; ++k)
        after.push_back(rows.Text(i, walk.column_count + k));
      PgParams params;
      walk.bind(params, row);
      for (const std::string& value : after) params.Text(value);
      SAMP11_RETURN_IF_ERROR(c.Exec(context, update, params).status());
    }
    if (rows.size() < kPage) return Status::Ok();
  }
}

SignerRow ReadSigner(const PgRows& r, int i) {
  SignerRow row;
  row.name = r.Text(i, 0);
  row.created = r.Int64(i, 1);
  row.mac = r.Blob(i, 2);
  row.status = r.Text(i, 3);
  row.status_changed = r.Int64(i, 4);
  if (!r.IsNull(i, 5)) row.status_mac = r.Blob(i, 5);
  return row;
}

ActivationKeyRow ReadActivationKey(const PgRows& r, int i) {
  ActivationKeyRow row;
  row.kid = r.Text(i, 0);
  row.role = r.Text(i, 1);
  row.owner = r.Text(i, 2);
  row.alg = r.Text(i, 3);
  row.public_spki = r.Blob(i, 4);
  row.created = r.Int64(i, 5);
  row.mac = r.Blob(i, 6);
  row.status = r.Text(i, 7);
  row.status_changed = r.Int64(i, 8);
  return row;
}

KeyRow ReadKey(const PgRows& r, int i) {
  KeyRow row;
  row.handle = r.Int64(i, 0);
  row.id = r.Blob(i, 1);
  row.label = r.Text(i, 2);
  row.key_type = r.Text(i, 3);
  row.owner = r.Text(i, 4);
  row.scal = static_cast<int>(r.Int64(i, 5));
  row.policy_json = r.Text(i, 6);
  row.public_spki = r.Blob(i, 7);
  row.wrapped_private = r.Blob(i, 8);
  row.created = r.Int64(i, 9);
  row.backend = r.Text(i, 10);
  row.origin = r.Text(i, 11);
  row.status = r.Text(i, 12);
  row.status_changed = r.Int64(i, 13);
  row.certified = r.Int64(i, 14) != 0;
  if (!r.IsNull(i, 15)) row.status_mac = r.Blob(i, 15);
  return row;
}

CertRow ReadCert(const PgRows& r, int i) {
  CertRow row;
  row.handle = r.Int64(i, 0);
  row.key_id = r.Blob(i, 1);
  row.label = r.Text(i, 2);
  row.der = r.Blob(i, 3);
  row.subject_der = r.Blob(i, 4);
  row.issuer_der = r.Blob(i, 5);
  row.serial_der = r.Blob(i, 6);
  row.subject_text = r.Text(i, 7);
  row.not_before = r.Int64(i, 8);
  row.not_after = r.Int64(i, 9);
  row.created = r.Int64(i, 10);
  if (!r.IsNull(i, 11)) row.mac = r.Blob(i, 11);
  return row;
}

SignerPinRow ReadPin(const PgRows& r, int i) {
  SignerPinRow row;
  row.name = r.Text(i, 0);
  row.salt = r.Blob(i, 1);
  row.hash = r.Blob(i, 2);
  row.failures = r.Int64(i, 3);
  row.mac = r.Blob(i, 4);
  return row;
}

AuditRow ReadAudit(const PgRows& r, int i) {
  AuditRow row;
  row.seq = r.Int64(i, 0);
  row.at = r.Int64(i, 1);
  row.pid = r.Int64(i, 2);
  row.event = r.Text(i, 3);
  row.outcome = r.Text(i, 4);
  row.signer = r.Text(i, 5);
  row.key_id = r.Blob(i, 6);
  row.kid = r.Text(i, 7);
  row.jti = r.Text(i, 8);
  row.detail = r.Text(i, 9);
  row.chain = r.Blob(i, 10);
  row.mac = r.Blob(i, 11);
  return row;
}

AuditHeadRow ReadHead(const PgRows& r, int i) {
  AuditHeadRow row;
  row.seq = r.Int64(i, 0);
  row.chain = r.Blob(i, 1);
  row.mac = r.Blob(i, 2);
  return row;
}

// Only the MACs (and a key's wrapping) go back: whatever else a callback changed is not written.
const TableWalk<SignerRow> kSigners = {
    "signers",
    "name, created, mac, status, status_changed, status_mac",
    6,
    "name",
    1,
    ReadSigner,
    "mac = $1, status_mac = $2",
    [](PgParams& p, const SignerRow& row) { p.Blob(row.mac).Blob(row.status_mac); },
    2};
const TableWalk<ActivationKeyRow> kActivationKeys = {
    "activation_keys",
    "kid, role, owner, alg, public_spki, created, mac, status, status_changed",
    9,
    "kid",
    1,
    ReadActivationKey,
    "mac = $1",
    [](PgParams& p, const ActivationKeyRow& row) { p.Blob(row.mac); },
    1};
const TableWalk<KeyRow> kKeys = {
    "keys",
    "handle, id, label, key_type, owner, scal, policy_json, public_spki, wrapped_private, "
    "created, backend, origin, status, status_changed, certified, status_mac",
    16,
    "handle",
    1,
    ReadKey,
    "wrapped_private = $1, status_mac = $2",
    [](PgParams& p, const KeyRow& row) { p.Blob(row.wrapped_private).Blob(row.status_mac); },
    2};
const TableWalk<CertRow> kCerts = {
    "certs",
    "handle, key_id, label, der, subject_der, issuer_der, serial_der, subject_text, not_before, "
    "not_after, created, mac",
    12,
    "handle",
    1,
    ReadCert,
    "mac = $1",
    [](PgParams& p, const CertRow& row) { p.Blob(row.mac); },
    1};
const TableWalk<SignerPinRow> kPins = {
    "signer_pins",
    "name, salt, hash, failures, mac",
    5,
    "name",
    1,
    ReadPin,
    "mac = $1",
    [](PgParams& p, const SignerPinRow& row) { p.Blob(row.mac); },
    1};
// Every node's chain: the rows carry no node of their own (rows.h), the MAC callbacks do not
// need one.
const TableWalk<AuditRow> kAuditRows = {
    "audit_log",
    "seq, at, pid, event, outcome, signer, key_id, kid, jti, detail, chain, mac",
    12,
    "node, seq",
    2,
    ReadAudit,
    "mac = $1",
    [](PgParams& p, const AuditRow& row) { p.Blob(row.mac); },
    1};
const TableWalk<AuditHeadRow> kAuditHeads = {
    "audit_head",
    "seq, chain, mac",
    3,
    "node",
    1,
    ReadHead,
    "mac = $1",
    [](PgParams& p, const AuditHeadRow& row) { p.Blob(row.mac); },
    1};

}  // namespace

Status PgRekey(PgConnection& c, const PgNodeContext& node, const RekeyPlan& plan) {
  // Every node's writes to these tables wait until the rotation commits or rolls back: a row
  // written meanwhile would keep a MAC under the old keys.
  SAMP11_RETURN_IF_ERROR(c.ExecScript(
      "locking the state for a rotation",
      "LOCK TABLE meta, signers, activation_keys, keys, certs, signer_pins, audit_log, "
      "audit_head IN EXCLUSIVE MODE"));
  SAMP11_RETURN_IF_ERROR(RekeyTable(c, kSigners, plan.signer));
  SAMP11_RETURN_IF_ERROR(RekeyTable(c, kActivationKeys, plan.activation_key));
  SAMP11_RETURN_IF_ERROR(RekeyTable(c, kKeys, plan.key));
  SAMP11_RETURN_IF_ERROR(RekeyTable(c, kCerts, plan.cert));
  SAMP11_RETURN_IF_ERROR(RekeyTable(c, kPins, plan.pin));
  for (const auto& [name, value] : plan.meta) {
    Result<PgRows> written =
        value ? c.Exec("rotating meta",
                       "INSERT INTO meta(name, value) VALUES($1, $2) ON CONFLICT(name) DO UPDATE "
                       "SET value = EXCLUDED.value",
                       PgParams().Text(name).Text(*value))
              : c.Exec("rotating meta", "DELETE FROM meta WHERE name = $1", PgParams().Text(name));
    SAMP11_RETURN_IF_ERROR(written.status());
  }
  SAMP11_RETURN_IF_ERROR(RekeyTable(c, kAuditRows, plan.audit_row));
  SAMP11_RETURN_IF_ERROR(RekeyTable(c, kAuditHeads, plan.audit_head));
  // This node's record of the rotation, from its tail as rewritten above.
  return PgAppendAuditInTransaction(c, node, plan.append);
}

}  // namespace samp11
