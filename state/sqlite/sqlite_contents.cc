#include "state/sqlite/sqlite_contents.h"

#include <map>
#include <string>
#include <utility>

#include "state/sqlite/sqlite_rows.h"
#include "state/sqlite/sqlite_stores.h"

namespace samp11 {
namespace {

// Binds one value after the other, from parameter 1, keeping the first failure.
class Binder {
 public:
  explicit Binder(SqliteStatement& stmt) : stmt_(stmt) {}
  Binder& Text(std::string_view value) { return Keep(stmt_.BindText(next_++, value)); }
  Binder& Blob(const Bytes& value) { return Keep(stmt_.BindBlob(next_++, value)); }
  Binder& Int(int64_t value) { return Keep(stmt_.BindInt64(next_++, value)); }
  // Runs the statement, then makes it ready for the next row.
  Status Run() {
    SAMP11_RETURN_IF_ERROR(status_);
    SAMP11_RETURN_IF_ERROR(stmt_.Run());
    return stmt_.Reset();
  }

 private:
  Binder& Keep(Status status) {
    if (status_.ok()) status_ = std::move(status);
    return *this;
  }
  SqliteStatement& stmt_;
  int next_ = 1;
  Status status_ = Status::Ok();
};

std::string Placeholders(int count) {
  std::string out;
  for (int i = 0; i < count; ++i) out += i == 0 ? "?" : ", ?";
  return out;
}

Result<SqliteStatement> Insert(sqlite3* db, const std::string& table, const std::string& columns,
                               int count) {
  return SqliteStatement::Prepare(
      db, "INSERT INTO " + table + "(" + columns + ") VALUES(" + Placeholders(count) + ")");
}

template <typename Row>
Result<std::vector<Row>> All(sqlite3* db, const std::string& sql, Row (*read)(SqliteStatement&)) {
  SAMP11_ASSIGN_OR_RETURN(SqliteStatement stmt, SqliteStatement::Prepare(db, sql));
  return ReadAll(stmt, read);
}

SpentHashRow ReadSpentHashRow(SqliteStatement& stmt) {
  SpentHashRow row;
  row.kid = stmt.ColumnText(0);
  row.jti = stmt.ColumnText(1);
  row.hash = stmt.ColumnBlob(2);
  row.key_id = stmt.ColumnBlob(3);
  row.sad_exp = stmt.ColumnInt64(4);
  row.spent_at = stmt.ColumnInt64(5);
  return row;
}

DepositRow ReadDepositRow(SqliteStatement& stmt) {
  DepositRow row;
  row.kid = stmt.ColumnText(0);
  row.jti = stmt.ColumnText(1);
  row.key_id = stmt.ColumnBlob(2);
  row.sad = stmt.ColumnText(3);
  row.sad_exp = stmt.ColumnInt64(4);
  row.deposited_at = stmt.ColumnInt64(5);
  return row;
}

Result<int64_t> LastHandle(sqlite3* db, const char* table) {
  SAMP11_ASSIGN_OR_RETURN(
      SqliteStatement stmt,
      SqliteStatement::Prepare(db,
                               "SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE "
                               "name = ?"));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(1, table));
  SAMP11_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  return has_row ? stmt.ColumnInt64(0) : int64_t{0};
}

// The AUTOINCREMENT counter of table at least at last: a handle is never given twice.
Status KeepHandlesPast(sqlite3* db, const char* table, int64_t last) {
  if (last <= 0) return Status::Ok();
  SAMP11_ASSIGN_OR_RETURN(SqliteStatement insert,
                          SqliteStatement::Prepare(db,
                                                   "INSERT INTO sqlite_sequence(name, seq) "
                                                   "SELECT ?1, ?2 WHERE NOT EXISTS (SELECT 1 "
                                                   "FROM sqlite_sequence WHERE name = ?1)"));
  SAMP11_RETURN_IF_ERROR(Binder(insert).Text(table).Int(last).Run());
  SAMP11_ASSIGN_OR_RETURN(SqliteStatement update,
                          SqliteStatement::Prepare(
                              db, "UPDATE sqlite_sequence SET seq = max(seq, ?2) WHERE name = ?1"));
  return Binder(update).Text(table).Int(last).Run();
}

}  // namespace

Result<StateContents> SqliteReadContents(sqlite3* db) {
  StateContents contents;
  {
    SAMP11_ASSIGN_OR_RETURN(SqliteStatement meta,
                            SqliteStatement::Prepare(db,
                                                     "SELECT name, value FROM meta WHERE name <> "
                                                     "'schema_version' ORDER BY name"));
    for (;;) {
      SAMP11_ASSIGN_OR_RETURN(bool has_row, meta.Step());
      if (!has_row) break;
      contents.meta.emplace_back(meta.ColumnText(0), meta.ColumnText(1));
    }
  }
  const std::string select = "SELECT ";
  SAMP11_ASSIGN_OR_RETURN(
      contents.signers,
      All(db, select + kSignerColumns + " FROM signers ORDER BY name", ReadSignerRow));
  SAMP11_ASSIGN_OR_RETURN(
      contents.pins, All(db, select + kPinColumns + " FROM signer_pins ORDER BY name", ReadPinRow));
  SAMP11_ASSIGN_OR_RETURN(
      contents.otp,
      All(db, select + kOtpColumns + " FROM signer_otp ORDER BY name, kind", ReadOtpRow));
  SAMP11_ASSIGN_OR_RETURN(
      contents.activation_keys,
      All(db, select + kActivationKeyColumns + " FROM activation_keys ORDER BY kid",
          ReadActivationKeyRow));
  SAMP11_ASSIGN_OR_RETURN(
      contents.subjects,
      All(db, select + kSubjectColumns + " FROM signer_subjects ORDER BY issuer, subject",
          ReadSubjectRow));
  SAMP11_ASSIGN_OR_RETURN(contents.keys,
                          All(db, select + kKeyColumns + " FROM keys ORDER BY handle", ReadKeyRow));
  SAMP11_ASSIGN_OR_RETURN(
      contents.certs, All(db, select + kCertColumns + " FROM certs ORDER BY handle", ReadCertRow));
  SAMP11_ASSIGN_OR_RETURN(contents.spent_hashes,
                          All(db,
                              "SELECT kid, jti, hash, key_id, sad_exp, spent_at FROM spent_hashes "
                              "ORDER BY kid, jti, hash",
                              ReadSpentHashRow));
  SAMP11_ASSIGN_OR_RETURN(contents.deposits,
                          All(db,
                              "SELECT kid, jti, key_id, sad, sad_exp, deposited_at FROM "
                              "deposited_sads ORDER BY kid, jti",
                              ReadDepositRow));
  {
    std::map<std::pair<std::string, std::string>, DepositRow*> by_sad;
    for (DepositRow& row : contents.deposits) by_sad[{row.kid, row.jti}] = &row;
    SAMP11_ASSIGN_OR_RETURN(SqliteStatement hashes,
                            SqliteStatement::Prepare(db,
                                                     "SELECT kid, jti, hash FROM deposited_hashes "
                                                     "ORDER BY kid, jti, hash"));
    for (;;) {
      SAMP11_ASSIGN_OR_RETURN(bool has_row, hashes.Step());
      if (!has_row) break;
      auto it = by_sad.find({hashes.ColumnText(0), hashes.ColumnText(1)});
      if (it == by_sad.end()) {
        return Status(Code::kStorage, "a deposited hash has no deposited SAD");
      }
      it->second->hashes.push_back(hashes.ColumnBlob(2));
    }
  }
  AuditChainContents chain;
  SAMP11_ASSIGN_OR_RETURN(
      chain.rows, All(db, select + kAuditColumns + " FROM audit_log ORDER BY seq", ReadAuditRow));
  SAMP11_ASSIGN_OR_RETURN(AuditTail tail, SqliteReadAuditTail(db));
  chain.head = std::move(tail.head);
  if (!chain.rows.empty() || chain.head) contents.chains.emplace("", std::move(chain));
  SAMP11_ASSIGN_OR_RETURN(contents.last_key_handle, LastHandle(db, "keys"));
  SAMP11_ASSIGN_OR_RETURN(contents.last_cert_handle, LastHandle(db, "certs"));
  return contents;
}

Status SqliteLoadContents(sqlite3* db, const StateContents& contents) {
  for (const auto& [name, chain] : contents.chains) {
    if (!name.empty()) {
      return Status(Code::kArgumentsBad,
                    "a keystore file keeps one audit chain, not node " + name + "'s");
    }
  }
  {
    SAMP11_ASSIGN_OR_RETURN(SqliteStatement insert, Insert(db, "meta", "name, value", 2));
    for (const auto& [name, value] : contents.meta) {
      SAMP11_RETURN_IF_ERROR(Binder(insert).Text(name).Text(value).Run());
    }
  }
  {
    SAMP11_ASSIGN_OR_RETURN(SqliteStatement insert, Insert(db, "signers", kSignerColumns, 6));
    for (const SignerRow& r : contents.signers) {
      SAMP11_RETURN_IF_ERROR(Binder(insert)
                                 .Text(r.name)
                                 .Int(r.created)
                                 .Blob(r.mac)
                                 .Text(r.status)
                                 .Int(r.status_changed)
                                 .Blob(r.status_mac)
                                 .Run());
    }
  }
  {
    SAMP11_ASSIGN_OR_RETURN(SqliteStatement insert, Insert(db, "signer_pins", kPinColumns, 5));
    for (const SignerPinRow& r : contents.pins) {
      SAMP11_RETURN_IF_ERROR(
          Binder(insert).Text(r.name).Blob(r.salt).Blob(r.hash).Int(r.failures).Blob(r.mac).Run());
    }
  }
  {
    SAMP11_ASSIGN_OR_RETURN(SqliteStatement insert, Insert(db, "signer_otp", kOtpColumns, 7));
    for (const SignerOtpRow& r : contents.otp) {
      SAMP11_RETURN_IF_ERROR(Binder(insert)
                                 .Text(r.name)
                                 .Text(r.kind)
                                 .Text(r.params)
                                 .Blob(r.wrapped_secret)
                                 .Int(r.created)
                                 .Int(r.last_step)
                                 .Int(r.failures)
                                 .Run());
    }
  }
  {
    SAMP11_ASSIGN_OR_RETURN(SqliteStatement insert,
                            Insert(db, "activation_keys", kActivationKeyColumns, 9));
    for (const ActivationKeyRow& r : contents.activation_keys) {
      SAMP11_RETURN_IF_ERROR(Binder(insert)
                                 .Text(r.kid)
                                 .Text(r.role)
                                 .Text(r.owner)
                                 .Text(r.alg)
                                 .Blob(r.public_spki)
                                 .Int(r.created)
                                 .Blob(r.mac)
                                 .Text(r.status)
                                 .Int(r.status_changed)
                                 .Run());
    }
  }
  {
    SAMP11_ASSIGN_OR_RETURN(SqliteStatement insert,
                            Insert(db, "signer_subjects", kSubjectColumns, 5));
    for (const SignerSubjectRow& r : contents.subjects) {
      SAMP11_RETURN_IF_ERROR(Binder(insert)
                                 .Text(r.issuer)
                                 .Text(r.subject)
                                 .Text(r.signer)
                                 .Int(r.created)
                                 .Blob(r.mac)
                                 .Run());
    }
  }
  {
    SAMP11_ASSIGN_OR_RETURN(SqliteStatement insert, Insert(db, "keys", kKeyColumns, 16));
    for (const KeyRow& r : contents.keys) {
      SAMP11_RETURN_IF_ERROR(Binder(insert)
                                 .Int(r.handle)
                                 .Blob(r.id)
                                 .Text(r.label)
                                 .Text(r.key_type)
                                 .Text(r.owner)
                                 .Int(r.scal)
                                 .Text(r.policy_json)
                                 .Blob(r.public_spki)
                                 .Blob(r.wrapped_private)
                                 .Int(r.created)
                                 .Text(r.backend)
                                 .Text(r.origin)
                                 .Text(r.status)
                                 .Int(r.status_changed)
                                 .Int(r.certified ? 1 : 0)
                                 .Blob(r.status_mac)
                                 .Run());
    }
  }
  {
    SAMP11_ASSIGN_OR_RETURN(SqliteStatement insert, Insert(db, "certs", kCertColumns, 12));
    for (const CertRow& r : contents.certs) {
      SAMP11_RETURN_IF_ERROR(Binder(insert)
                                 .Int(r.handle)
                                 .Blob(r.key_id)
                                 .Text(r.label)
                                 .Blob(r.der)
                                 .Blob(r.subject_der)
                                 .Blob(r.issuer_der)
                                 .Blob(r.serial_der)
                                 .Text(r.subject_text)
                                 .Int(r.not_before)
                                 .Int(r.not_after)
                                 .Int(r.created)
                                 .Blob(r.mac)
                                 .Run());
    }
  }
  {
    SAMP11_ASSIGN_OR_RETURN(
        SqliteStatement insert,
        Insert(db, "spent_hashes", "kid, jti, hash, key_id, sad_exp, spent_at", 6));
    for (const SpentHashRow& r : contents.spent_hashes) {
      SAMP11_RETURN_IF_ERROR(Binder(insert)
                                 .Text(r.kid)
                                 .Text(r.jti)
                                 .Blob(r.hash)
                                 .Blob(r.key_id)
                                 .Int(r.sad_exp)
                                 .Int(r.spent_at)
                                 .Run());
    }
  }
  {
    SAMP11_ASSIGN_OR_RETURN(
        SqliteStatement insert,
        Insert(db, "deposited_sads", "kid, jti, key_id, sad, sad_exp, deposited_at", 6));
    SAMP11_ASSIGN_OR_RETURN(SqliteStatement hash,
                            Insert(db, "deposited_hashes", "key_id, hash, kid, jti", 4));
    for (const DepositRow& r : contents.deposits) {
      SAMP11_RETURN_IF_ERROR(Binder(insert)
                                 .Text(r.kid)
                                 .Text(r.jti)
                                 .Blob(r.key_id)
                                 .Text(r.sad)
                                 .Int(r.sad_exp)
                                 .Int(r.deposited_at)
                                 .Run());
      for (const Bytes& bound : r.hashes) {
        SAMP11_RETURN_IF_ERROR(
            Binder(hash).Blob(r.key_id).Blob(bound).Text(r.kid).Text(r.jti).Run());
      }
    }
  }
  auto chain = contents.chains.find("");
  if (chain != contents.chains.end()) {
    SAMP11_ASSIGN_OR_RETURN(SqliteStatement insert, Insert(db, "audit_log", kAuditColumns, 12));
    for (const AuditRow& r : chain->second.rows) {
      SAMP11_RETURN_IF_ERROR(Binder(insert)
                                 .Int(r.seq)
                                 .Int(r.at)
                                 .Int(r.pid)
                                 .Text(r.event)
                                 .Text(r.outcome)
                                 .Text(r.signer)
                                 .Blob(r.key_id)
                                 .Text(r.kid)
                                 .Text(r.jti)
                                 .Text(r.detail)
                                 .Blob(r.chain)
                                 .Blob(r.mac)
                                 .Run());
    }
    if (const auto& head = chain->second.head) {
      SAMP11_ASSIGN_OR_RETURN(SqliteStatement insert_head,
                              Insert(db, "audit_head", "id, seq, chain, mac", 4));
      SAMP11_RETURN_IF_ERROR(
          Binder(insert_head).Int(1).Int(head->seq).Blob(head->chain).Blob(head->mac).Run());
    }
  }
  SAMP11_RETURN_IF_ERROR(KeepHandlesPast(db, "keys", contents.last_key_handle));
  return KeepHandlesPast(db, "certs", contents.last_cert_handle);
}

Result<StateContents> SqliteMaintenanceStore::Contents() {
  // A connection of its own, as a snapshot's: one read transaction over every table while the
  // store's connection goes on serving signers.
  SAMP11_ASSIGN_OR_RETURN(SqliteDbPtr db, SqliteOpenConnection(path_, SQLITE_OPEN_READONLY));
  SAMP11_RETURN_IF_ERROR(SqliteExec(db.get(), "BEGIN"));
  Result<StateContents> contents = SqliteReadContents(db.get());
  // A read transaction has nothing to keep: ended either way.
  (void)SqliteExec(db.get(), contents.ok() ? "COMMIT" : "ROLLBACK");
  return contents;
}

}  // namespace samp11
