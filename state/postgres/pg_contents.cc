// A PostgreSQL state's rows as StateContents (state/state_contents.h): read at one instant, every
// node's chain included (PgMaintenanceStore::Contents), and made into a stage beside a schema
// that is not there yet (PgLocation::StageContents) through the image loader a restore uses
// (pg_image.h), so that the rows go in as one statement per table.
#include <map>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "state/postgres/pg_image.h"
#include "state/postgres/pg_location.h"
#include "state/postgres/pg_rows.h"
#include "state/postgres/pg_stores.h"

namespace samp11 {
namespace {

using nlohmann::json;

// bytea's input form (pg_image.h): hex text.
std::string Bytea(const Bytes& bytes) { return "\\x" + HexEncode(bytes); }

json Row(const SignerRow& r) {
  return {{"name", r.name},
          {"created", r.created},
          {"mac", Bytea(r.mac)},
          {"status", r.status},
          {"status_changed", r.status_changed},
          {"status_mac", Bytea(r.status_mac)}};
}
json Row(const SignerPinRow& r) {
  return {{"name", r.name},
          {"salt", Bytea(r.salt)},
          {"hash", Bytea(r.hash)},
          {"failures", r.failures},
          {"mac", Bytea(r.mac)}};
}
json Row(const SignerOtpRow& r) {
  return {{"name", r.name},        {"kind", r.kind},
          {"params", r.params},    {"secret", Bytea(r.wrapped_secret)},
          {"created", r.created},  {"last_step", r.last_step},
          {"failures", r.failures}};
}
json Row(const ActivationKeyRow& r) {
  return {{"kid", r.kid},
          {"role", r.role},
          {"owner", r.owner},
          {"alg", r.alg},
          {"public_spki", Bytea(r.public_spki)},
          {"created", r.created},
          {"mac", Bytea(r.mac)},
          {"status", r.status},
          {"status_changed", r.status_changed}};
}
json Row(const SignerSubjectRow& r) {
  return {{"issuer", r.issuer},
          {"subject", r.subject},
          {"signer", r.signer},
          {"created", r.created},
          {"mac", Bytea(r.mac)}};
}
json Row(const KeyRow& r) {
  return {{"handle", r.handle},
          {"id", Bytea(r.id)},
          {"label", r.label},
          {"key_type", r.key_type},
          {"owner", r.owner},
          {"scal", r.scal},
          {"policy_json", r.policy_json},
          {"public_spki", Bytea(r.public_spki)},
          {"wrapped_private", Bytea(r.wrapped_private)},
          {"created", r.created},
          {"backend", r.backend},
          {"origin", r.origin},
          {"status", r.status},
          {"status_changed", r.status_changed},
          {"certified", r.certified ? 1 : 0},
          {"status_mac", Bytea(r.status_mac)}};
}
json Row(const CertRow& r) {
  return {{"handle", r.handle},
          {"key_id", Bytea(r.key_id)},
          {"label", r.label},
          {"der", Bytea(r.der)},
          {"subject_der", Bytea(r.subject_der)},
          {"issuer_der", Bytea(r.issuer_der)},
          {"serial_der", Bytea(r.serial_der)},
          {"subject_text", r.subject_text},
          {"not_before", r.not_before},
          {"not_after", r.not_after},
          {"created", r.created},
          {"mac", Bytea(r.mac)}};
}
json Row(const SpentHashRow& r) {
  return {{"kid", r.kid},          {"jti", r.jti},
          {"hash", Bytea(r.hash)}, {"key_id", Bytea(r.key_id)},
          {"sad_exp", r.sad_exp},  {"spent_at", r.spent_at}};
}
json Row(const std::string& node, const AuditRow& r) {
  return {{"node", node},       {"seq", r.seq},
          {"at", r.at},         {"pid", r.pid},
          {"event", r.event},   {"outcome", r.outcome},
          {"signer", r.signer}, {"key_id", Bytea(r.key_id)},
          {"kid", r.kid},       {"jti", r.jti},
          {"detail", r.detail}, {"chain", Bytea(r.chain)},
          {"mac", Bytea(r.mac)}};
}

template <typename Rows>
json Array(const Rows& rows) {
  json out = json::array();
  for (const auto& row : rows) out.push_back(Row(row));
  return out;
}

// The contents as a PostgreSQL image's tables, in kPgImageTables' order. Text that is not UTF-8
// is replaced (it could not be stored as text anyway): the copy then fails its check and is
// refused, never taken.
PgImage ImageOf(const StateContents& contents) {
  std::map<std::string, json> tables;
  json meta = json::array();
  for (const auto& [name, value] : contents.meta)
    meta.push_back({{"name", name}, {"value", value}});
  tables["meta"] = std::move(meta);
  tables["signers"] = Array(contents.signers);
  tables["signer_pins"] = Array(contents.pins);
  tables["signer_otp"] = Array(contents.otp);
  tables["activation_keys"] = Array(contents.activation_keys);
  tables["keys"] = Array(contents.keys);
  tables["certs"] = Array(contents.certs);
  tables["spent_hashes"] = Array(contents.spent_hashes);
  json log = json::array();
  json heads = json::array();
  for (const auto& [node, chain] : contents.chains) {
    for (const AuditRow& row : chain.rows) log.push_back(Row(node, row));
    if (chain.head) {
      heads.push_back({{"node", node},
                       {"seq", chain.head->seq},
                       {"chain", Bytea(chain.head->chain)},
                       {"mac", Bytea(chain.head->mac)}});
    }
  }
  tables["audit_log"] = std::move(log);
  tables["audit_head"] = std::move(heads);
  json sads = json::array();
  json hashes = json::array();
  for (const DepositRow& r : contents.deposits) {
    sads.push_back({{"kid", r.kid},
                    {"jti", r.jti},
                    {"key_id", Bytea(r.key_id)},
                    {"sad", r.sad},
                    {"sad_exp", r.sad_exp},
                    {"deposited_at", r.deposited_at}});
    for (const Bytes& hash : r.hashes) {
      hashes.push_back(
          {{"key_id", Bytea(r.key_id)}, {"hash", Bytea(hash)}, {"kid", r.kid}, {"jti", r.jti}});
    }
  }
  tables["deposited_sads"] = std::move(sads);
  tables["deposited_hashes"] = std::move(hashes);
  tables["sad_requests"] = json::array();  // not carried (state_contents.h)
  tables["signer_subjects"] = Array(contents.subjects);
  PgImage image;
  image.last_key_handle = contents.last_key_handle;
  image.last_cert_handle = contents.last_cert_handle;
  for (const PgImageTable& table : kPgImageTables) {
    image.tables.push_back(
        tables.at(table.name).dump(-1, ' ', false, json::error_handler_t::replace));
  }
  return image;
}

SpentHashRow ReadSpentHash(const PgRows& rows, int r) {
  SpentHashRow row;
  row.kid = rows.Text(r, 0);
  row.jti = rows.Text(r, 1);
  row.hash = rows.Blob(r, 2);
  row.key_id = rows.Blob(r, 3);
  row.sad_exp = rows.Int64(r, 4);
  row.spent_at = rows.Int64(r, 5);
  return row;
}

DepositRow ReadDeposit(const PgRows& rows, int r) {
  DepositRow row;
  row.kid = rows.Text(r, 0);
  row.jti = rows.Text(r, 1);
  row.key_id = rows.Blob(r, 2);
  row.sad = rows.Text(r, 3);
  row.sad_exp = rows.Int64(r, 4);
  row.deposited_at = rows.Int64(r, 5);
  return row;
}

Result<int64_t> LastHandle(PgConnection& c, const char* table) {
  SAMP11_ASSIGN_OR_RETURN(
      PgRows rows,
      c.Exec("reading the last handle",
             "SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence($1, 'handle')"
             "::regclass), 0)",
             PgParams().Text(table)));
  return rows.Int64(0, 0);
}

// Every table read in the caller's transaction. Text is ordered byte by byte (COLLATE "C"),
// as the other engines order it.
Result<StateContents> ReadContents(PgConnection& c) {
  StateContents contents;
  const std::string select = "SELECT ";
  SAMP11_ASSIGN_OR_RETURN(PgRows meta, c.Exec("reading meta",
                                              "SELECT name, value FROM meta "
                                              "ORDER BY name COLLATE \"C\""));
  for (int i = 0; i < meta.size(); ++i)
    contents.meta.emplace_back(meta.Text(i, 0), meta.Text(i, 1));
  SAMP11_ASSIGN_OR_RETURN(
      PgRows signers, c.Exec("reading signers", select + kPgSignerColumns +
                                                    " FROM signers ORDER BY name COLLATE \"C\""));
  contents.signers = PgReadAll(signers, PgReadSignerRow);
  SAMP11_ASSIGN_OR_RETURN(
      PgRows pins, c.Exec("reading PINs", select + kPgPinColumns +
                                              " FROM signer_pins ORDER BY name COLLATE \"C\""));
  contents.pins = PgReadAll(pins, PgReadPinRow);
  SAMP11_ASSIGN_OR_RETURN(
      PgRows otp, c.Exec("reading OTP enrolments",
                         select + kPgOtpColumns +
                             " FROM signer_otp ORDER BY name COLLATE \"C\", kind COLLATE \"C\""));
  contents.otp = PgReadAll(otp, PgReadOtpRow);
  SAMP11_ASSIGN_OR_RETURN(
      PgRows activation_keys,
      c.Exec("reading activation keys", select + kPgActivationKeyColumns +
                                            " FROM activation_keys ORDER BY kid COLLATE \"C\""));
  contents.activation_keys = PgReadAll(activation_keys, PgReadActivationKeyRow);
  SAMP11_ASSIGN_OR_RETURN(
      PgRows subjects,
      c.Exec("reading subjects", select + kPgSubjectColumns +
                                     " FROM signer_subjects ORDER BY issuer COLLATE \"C\", "
                                     "subject COLLATE \"C\""));
  contents.subjects = PgReadAll(subjects, PgReadSubjectRow);
  SAMP11_ASSIGN_OR_RETURN(
      PgRows keys, c.Exec("reading keys", select + kPgKeyColumns + " FROM keys ORDER BY handle"));
  contents.keys = PgReadAll(keys, PgReadKeyRow);
  SAMP11_ASSIGN_OR_RETURN(
      PgRows certs,
      c.Exec("reading certificates", select + kPgCertColumns + " FROM certs ORDER BY handle"));
  contents.certs = PgReadAll(certs, PgReadCertRow);
  SAMP11_ASSIGN_OR_RETURN(
      PgRows spent,
      c.Exec("reading spent hashes",
             "SELECT kid, jti, hash, key_id, sad_exp, spent_at FROM spent_hashes ORDER BY kid "
             "COLLATE \"C\", jti COLLATE \"C\", hash"));
  contents.spent_hashes = PgReadAll(spent, ReadSpentHash);
  SAMP11_ASSIGN_OR_RETURN(
      PgRows sads, c.Exec("reading deposits",
                          "SELECT kid, jti, key_id, sad, sad_exp, deposited_at FROM deposited_sads "
                          "ORDER BY kid COLLATE \"C\", jti COLLATE \"C\""));
  contents.deposits = PgReadAll(sads, ReadDeposit);
  {
    std::map<std::pair<std::string, std::string>, DepositRow*> by_sad;
    for (DepositRow& row : contents.deposits) by_sad[{row.kid, row.jti}] = &row;
    SAMP11_ASSIGN_OR_RETURN(
        PgRows hashes, c.Exec("reading deposited hashes",
                              "SELECT kid, jti, hash FROM deposited_hashes ORDER BY kid COLLATE "
                              "\"C\", jti COLLATE \"C\", hash"));
    for (int i = 0; i < hashes.size(); ++i) {
      auto it = by_sad.find({hashes.Text(i, 0), hashes.Text(i, 1)});
      if (it == by_sad.end())
        return Status(Code::kStorage, "a deposited hash has no deposited SAD");
      it->second->hashes.push_back(hashes.Blob(i, 2));
    }
  }
  // Every node's chain; the node last, after the columns PgReadAuditRow reads.
  SAMP11_ASSIGN_OR_RETURN(PgRows log, c.Exec("reading the audit chains",
                                             select + kPgAuditColumns +
                                                 ", node FROM audit_log ORDER BY node COLLATE "
                                                 "\"C\", seq"));
  for (int i = 0; i < log.size(); ++i) {
    contents.chains[log.Text(i, 12)].rows.push_back(PgReadAuditRow(log, i));
  }
  SAMP11_ASSIGN_OR_RETURN(PgRows heads, c.Exec("reading the audit heads",
                                               "SELECT node, seq, chain, mac FROM audit_head"));
  for (int i = 0; i < heads.size(); ++i) {
    AuditHeadRow head;
    head.seq = heads.Int64(i, 1);
    head.chain = heads.Blob(i, 2);
    head.mac = heads.Blob(i, 3);
    contents.chains[heads.Text(i, 0)].head = std::move(head);
  }
  SAMP11_ASSIGN_OR_RETURN(contents.last_key_handle, LastHandle(c, "keys"));
  SAMP11_ASSIGN_OR_RETURN(contents.last_cert_handle, LastHandle(c, "certs"));
  return contents;
}

}  // namespace

Result<StateContents> PgMaintenanceStore::Contents() {
  auto lock = c_.Lock();
  // One snapshot for every table, as a backup's image: other nodes go on writing meanwhile.
  SAMP11_ASSIGN_OR_RETURN(auto tx, PgTransaction::Begin(c_, "REPEATABLE READ READ ONLY"));
  SAMP11_ASSIGN_OR_RETURN(StateContents contents, ReadContents(c_));
  SAMP11_RETURN_IF_ERROR(tx->Commit());
  return contents;
}

Result<std::unique_ptr<StateStore>> PgLocation::StageContents(const StateContents& contents) {
  SAMP11_RETURN_IF_ERROR(CheckConfig());
  const std::string& live = config_.options.schema;
  if (!PgSchemaNameOk(live)) return Status(Code::kConfig, "'" + live + "' is not a schema name");
  {
    // Any schema of that name, even an empty one or another program's, is someone's: refused.
    SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> connection, ConnectTo(live));
    auto lock = connection->Lock();
    SAMP11_ASSIGN_OR_RETURN(PgRows there, connection->Exec("looking for the schema",
                                                           "SELECT 1 FROM pg_namespace WHERE "
                                                           "nspname = $1",
                                                           PgParams().Text(live)));
    if (there.size() > 0) {
      return Status(Code::kAlreadyExists,
                    name_ + " already exists: a migration goes only into a schema not there yet");
    }
  }
  return StageImage(ImageOf(contents));
}

}  // namespace samp11
