// Master-key rotation on the PostgreSQL state: every table's MACs rewritten in the caller's one
// transaction, a page of rows at a time, each row written back by its primary key.
#include "state/postgres/pg_rekey.h"

#include <string>
#include <vector>

#include "state/postgres/pg_rows.h"

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
    kPgSignerColumns,
    6,
    "name",
    1,
    PgReadSignerRow,
    "mac = $1, status_mac = $2",
    [](PgParams& p, const SignerRow& row) { p.Blob(row.mac).Blob(row.status_mac); },
    2};
const TableWalk<ActivationKeyRow> kActivationKeys = {
    "activation_keys",
    kPgActivationKeyColumns,
    9,
    "kid",
    1,
    PgReadActivationKeyRow,
    "mac = $1",
    [](PgParams& p, const ActivationKeyRow& row) { p.Blob(row.mac); },
    1};
const TableWalk<KeyRow> kKeys = {
    "keys",
    kPgKeyColumns,
    16,
    "handle",
    1,
    PgReadKeyRow,
    "wrapped_private = $1, status_mac = $2",
    [](PgParams& p, const KeyRow& row) { p.Blob(row.wrapped_private).Blob(row.status_mac); },
    2};
const TableWalk<CertRow> kCerts = {
    "certs", kPgCertColumns, 12,         "handle",
    1,       PgReadCertRow,  "mac = $1", [](PgParams& p, const CertRow& row) { p.Blob(row.mac); },
    1};
const TableWalk<SignerPinRow> kPins = {
    "signer_pins",
    kPgPinColumns,
    5,
    "name",
    1,
    PgReadPinRow,
    "mac = $1",
    [](PgParams& p, const SignerPinRow& row) { p.Blob(row.mac); },
    1};
const TableWalk<SignerSubjectRow> kSubjects = {
    "signer_subjects",
    kPgSubjectColumns,
    5,
    "issuer, subject",
    2,
    PgReadSubjectRow,
    "mac = $1",
    [](PgParams& p, const SignerSubjectRow& row) { p.Blob(row.mac); },
    1};
const TableWalk<SignerOtpRow> kOtp = {
    "signer_otp",
    kPgOtpColumns,
    7,
    "name, kind",
    2,
    PgReadOtpRow,
    "secret = $1",
    [](PgParams& p, const SignerOtpRow& row) { p.Blob(row.wrapped_secret); },
    1};
// Every node's chain: the rows carry no node of their own (rows.h), the MAC callbacks do not
// need one.
const TableWalk<AuditRow> kAuditRows = {"audit_log",
                                        kPgAuditColumns,
                                        12,
                                        "node, seq",
                                        2,
                                        PgReadAuditRow,
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
      "LOCK TABLE meta, signers, activation_keys, keys, certs, signer_pins, signer_subjects, "
      "signer_otp, "
      "audit_log, audit_head IN EXCLUSIVE MODE"));
  SAMP11_RETURN_IF_ERROR(RekeyTable(c, kSigners, plan.signer));
  SAMP11_RETURN_IF_ERROR(RekeyTable(c, kActivationKeys, plan.activation_key));
  SAMP11_RETURN_IF_ERROR(RekeyTable(c, kKeys, plan.key));
  SAMP11_RETURN_IF_ERROR(RekeyTable(c, kCerts, plan.cert));
  SAMP11_RETURN_IF_ERROR(RekeyTable(c, kPins, plan.pin));
  SAMP11_RETURN_IF_ERROR(RekeyTable(c, kSubjects, plan.subject));
  SAMP11_RETURN_IF_ERROR(RekeyTable(c, kOtp, plan.otp));
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
