// The embedded StateStore: one SQLite file per token.
//
// Concurrency: the connection is opened with SQLITE_OPEN_FULLMUTEX, and every method also holds
// mu_ for its whole sequence of calls, so a statement's error message and a transaction's
// statements are never interleaved with another thread's. Other processes share the file through
// WAL and the busy timeout; writes take the write lock at BEGIN IMMEDIATE.
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <mutex>

#include "keystore/sqlite_audit.h"
#include "keystore/sqlite_keys.h"
#include "keystore/sqlite_lifecycle.h"
#include "keystore/sqlite_pins.h"
#include "keystore/sqlite_rekey.h"
#include "keystore/sqlite_requests.h"
#include "keystore/sqlite_schema.h"
#include "keystore/sqlite_util.h"
#include "keystore/state_store.h"

namespace samp11 {
namespace {

constexpr int kBusyTimeoutMs = 10000;

constexpr char kKeyColumns[] =
    "handle, id, label, key_type, owner, scal, policy_json, public_spki, wrapped_private, created, "
    "backend, origin, status, status_changed, certified, status_mac";
constexpr char kSignerColumns[] = "name, created, mac, status, status_changed, status_mac";
constexpr char kCertColumns[] =
    "handle, key_id, label, der, subject_der, issuer_der, serial_der, subject_text, not_before, "
    "not_after, created, mac";

bool IsConstraint(int rc) { return (rc & 0xff) == SQLITE_CONSTRAINT; }

// SQLite's LIMIT is a signed 64-bit integer; a size_t beyond it means "no limit" anyway.
int64_t LimitParam(size_t limit) {
  constexpr auto kMax = static_cast<size_t>(std::numeric_limits<int64_t>::max());
  return static_cast<int64_t>(limit > kMax ? kMax : limit);
}

KeyRow ReadKeyRow(SqliteStatement& stmt) {
  KeyRow row;
  row.handle = stmt.ColumnInt64(0);
  row.id = stmt.ColumnBlob(1);
  row.label = stmt.ColumnText(2);
  row.key_type = stmt.ColumnText(3);
  row.owner = stmt.ColumnText(4);
  row.scal = static_cast<int>(stmt.ColumnInt64(5));
  row.policy_json = stmt.ColumnText(6);
  row.public_spki = stmt.ColumnBlob(7);
  row.wrapped_private = stmt.ColumnBlob(8);
  row.created = stmt.ColumnInt64(9);
  row.backend = stmt.ColumnText(10);
  row.origin = stmt.ColumnText(11);
  row.status = stmt.ColumnText(12);
  row.status_changed = stmt.ColumnInt64(13);
  row.certified = stmt.ColumnInt64(14) != 0;
  row.status_mac = stmt.ColumnBlob(15);
  return row;
}

CertRow ReadCertRow(SqliteStatement& stmt) {
  CertRow row;
  row.handle = stmt.ColumnInt64(0);
  row.key_id = stmt.ColumnBlob(1);
  row.label = stmt.ColumnText(2);
  row.der = stmt.ColumnBlob(3);
  row.subject_der = stmt.ColumnBlob(4);
  row.issuer_der = stmt.ColumnBlob(5);
  row.serial_der = stmt.ColumnBlob(6);
  row.subject_text = stmt.ColumnText(7);
  row.not_before = stmt.ColumnInt64(8);
  row.not_after = stmt.ColumnInt64(9);
  row.created = stmt.ColumnInt64(10);
  row.mac = stmt.ColumnBlob(11);
  return row;
}

SignerRow ReadSignerRow(SqliteStatement& stmt) {
  SignerRow row;
  row.name = stmt.ColumnText(0);
  row.created = stmt.ColumnInt64(1);
  row.mac = stmt.ColumnBlob(2);
  row.status = stmt.ColumnText(3);
  row.status_changed = stmt.ColumnInt64(4);
  row.status_mac = stmt.ColumnBlob(5);
  return row;
}

ActivationKeyRow ReadActivationKeyRow(SqliteStatement& stmt) {
  ActivationKeyRow row;
  row.kid = stmt.ColumnText(0);
  row.role = stmt.ColumnText(1);
  row.owner = stmt.ColumnText(2);
  row.alg = stmt.ColumnText(3);
  row.public_spki = stmt.ColumnBlob(4);
  row.created = stmt.ColumnInt64(5);
  row.mac = stmt.ColumnBlob(6);
  return row;
}

template <typename Row>
Result<std::vector<Row>> ReadAll(SqliteStatement& stmt, Row (*read)(SqliteStatement&)) {
  std::vector<Row> rows;
  for (;;) {
    SAMP11_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) return rows;
    rows.push_back(read(stmt));
  }
}

template <typename Row>
Result<std::optional<Row>> ReadOne(SqliteStatement& stmt, Row (*read)(SqliteStatement&)) {
  SAMP11_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
  if (!has_row) return std::optional<Row>();
  return std::optional<Row>(read(stmt));
}

class SqliteStateStore : public StateStore {
 public:
  explicit SqliteStateStore(SqliteDbPtr db) : db_(std::move(db)) {}

  Result<StateVersion> KeyStateVersion() override {
    std::lock_guard<std::mutex> lock(mu_);
    SAMP11_ASSIGN_OR_RETURN(auto stmt, Prepare("PRAGMA data_version"));
    SAMP11_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) return Status(Code::kStorage, "PRAGMA data_version gave no row");
    StateVersion version;
    version.others = stmt.ColumnInt64(0);
    version.own = sqlite3_total_changes64(db()) - signing_path_changes_;
    return version;
  }

  Result<std::optional<std::string>> GetMeta(std::string_view name) override {
    std::lock_guard<std::mutex> lock(mu_);
    SAMP11_ASSIGN_OR_RETURN(auto stmt, Prepare("SELECT value FROM meta WHERE name = ?"));
    SAMP11_RETURN_IF_ERROR(stmt.BindText(1, name));
    SAMP11_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) return std::optional<std::string>();
    return std::optional<std::string>(stmt.ColumnText(0));
  }

  Status InsertMeta(std::string_view name, std::string_view value) override {
    std::lock_guard<std::mutex> lock(mu_);
    SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(db()));
    SAMP11_ASSIGN_OR_RETURN(auto stmt, Prepare("INSERT INTO meta(name, value) VALUES(?, ?)"));
    SAMP11_RETURN_IF_ERROR(stmt.BindText(1, name));
    SAMP11_RETURN_IF_ERROR(stmt.BindText(2, value));
    SAMP11_RETURN_IF_ERROR(RunInsert(stmt, "meta '" + std::string(name) + "' is already set"));
    return tx->Commit();
  }

  Status SetMeta(std::string_view name, std::string_view value) override {
    std::lock_guard<std::mutex> lock(mu_);
    SAMP11_ASSIGN_OR_RETURN(
        auto stmt, Prepare("INSERT INTO meta(name, value) VALUES(?, ?) ON CONFLICT(name) DO "
                           "UPDATE SET value = excluded.value"));
    SAMP11_RETURN_IF_ERROR(stmt.BindText(1, name));
    SAMP11_RETURN_IF_ERROR(stmt.BindText(2, value));
    return stmt.Run();
  }

  Status InsertSigner(const SignerRow& row) override {
    std::lock_guard<std::mutex> lock(mu_);
    SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(db()));
    SAMP11_ASSIGN_OR_RETURN(
        auto stmt, Prepare("INSERT INTO signers(name, created, mac, status, status_changed, "
                           "status_mac) VALUES(?, ?, ?, ?, ?, ?)"));
    SAMP11_RETURN_IF_ERROR(stmt.BindText(1, row.name));
    SAMP11_RETURN_IF_ERROR(stmt.BindInt64(2, row.created));
    SAMP11_RETURN_IF_ERROR(stmt.BindBlob(3, row.mac));
    SAMP11_RETURN_IF_ERROR(stmt.BindText(4, row.status));
    SAMP11_RETURN_IF_ERROR(stmt.BindInt64(5, row.status_changed));
    SAMP11_RETURN_IF_ERROR(stmt.BindBlob(6, row.status_mac));
    SAMP11_RETURN_IF_ERROR(RunInsert(stmt, "signer '" + row.name + "' already exists"));
    return tx->Commit();
  }

  Result<std::optional<SignerRow>> FindSigner(std::string_view name) override {
    std::lock_guard<std::mutex> lock(mu_);
    SAMP11_ASSIGN_OR_RETURN(auto stmt, Prepare(std::string("SELECT ") + kSignerColumns +
                                               " FROM signers WHERE name = ?"));
    SAMP11_RETURN_IF_ERROR(stmt.BindText(1, name));
    return ReadOne(stmt, ReadSignerRow);
  }

  Result<std::vector<SignerRow>> ListSigners() override {
    std::lock_guard<std::mutex> lock(mu_);
    SAMP11_ASSIGN_OR_RETURN(auto stmt, Prepare(std::string("SELECT ") + kSignerColumns +
                                               " FROM signers ORDER BY name"));
    return ReadAll(stmt, ReadSignerRow);
  }

  Status InsertActivationKey(const ActivationKeyRow& row) override {
    std::lock_guard<std::mutex> lock(mu_);
    SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(db()));
    SAMP11_ASSIGN_OR_RETURN(
        auto stmt, Prepare("INSERT INTO activation_keys(kid, role, owner, alg, public_spki, "
                           "created, mac) VALUES(?, ?, ?, ?, ?, ?, ?)"));
    SAMP11_RETURN_IF_ERROR(stmt.BindText(1, row.kid));
    SAMP11_RETURN_IF_ERROR(stmt.BindText(2, row.role));
    SAMP11_RETURN_IF_ERROR(stmt.BindText(3, row.owner));
    SAMP11_RETURN_IF_ERROR(stmt.BindText(4, row.alg));
    SAMP11_RETURN_IF_ERROR(stmt.BindBlob(5, row.public_spki));
    SAMP11_RETURN_IF_ERROR(stmt.BindInt64(6, row.created));
    SAMP11_RETURN_IF_ERROR(stmt.BindBlob(7, row.mac));
    SAMP11_RETURN_IF_ERROR(RunInsert(stmt, "activation key '" + row.kid + "' already exists"));
    return tx->Commit();
  }

  Result<std::optional<ActivationKeyRow>> FindActivationKey(std::string_view kid) override {
    std::lock_guard<std::mutex> lock(mu_);
    SAMP11_ASSIGN_OR_RETURN(auto stmt,
                            Prepare("SELECT kid, role, owner, alg, public_spki, created, mac "
                                    "FROM activation_keys WHERE kid = ?"));
    SAMP11_RETURN_IF_ERROR(stmt.BindText(1, kid));
    return ReadOne(stmt, ReadActivationKeyRow);
  }

  Result<std::vector<ActivationKeyRow>> ListActivationKeys() override {
    std::lock_guard<std::mutex> lock(mu_);
    SAMP11_ASSIGN_OR_RETURN(auto stmt,
                            Prepare("SELECT kid, role, owner, alg, public_spki, created, mac "
                                    "FROM activation_keys ORDER BY kid"));
    return ReadAll(stmt, ReadActivationKeyRow);
  }

  Status InsertKey(KeyRow& row) override {
    std::lock_guard<std::mutex> lock(mu_);
    SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(db()));
    SAMP11_ASSIGN_OR_RETURN(auto stmt, SqliteKeyInsert(db(), row));
    SAMP11_RETURN_IF_ERROR(RunInsert(stmt, "a key with that id already exists",
                                     "key owner '" + row.owner + "' is not an enrolled signer"));
    int64_t handle = sqlite3_last_insert_rowid(db());
    SAMP11_RETURN_IF_ERROR(tx->Commit());
    row.handle = handle;
    return Status::Ok();
  }

  Result<std::optional<KeyRow>> FindKeyByHandle(int64_t handle) override {
    std::lock_guard<std::mutex> lock(mu_);
    SAMP11_ASSIGN_OR_RETURN(
        auto stmt, Prepare(std::string("SELECT ") + kKeyColumns + " FROM keys WHERE handle = ?"));
    SAMP11_RETURN_IF_ERROR(stmt.BindInt64(1, handle));
    return ReadOne(stmt, ReadKeyRow);
  }

  Result<std::optional<KeyRow>> FindKeyById(const Bytes& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    SAMP11_ASSIGN_OR_RETURN(
        auto stmt, Prepare(std::string("SELECT ") + kKeyColumns + " FROM keys WHERE id = ?"));
    SAMP11_RETURN_IF_ERROR(stmt.BindBlob(1, id));
    return ReadOne(stmt, ReadKeyRow);
  }

  Result<std::vector<KeyRow>> FindKeysByLabel(std::string_view label, int64_t after,
                                              size_t limit) override {
    return KeysWhere("label", label, after, limit);
  }

  Result<std::vector<KeyRow>> ListKeys(int64_t after, size_t limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    SAMP11_ASSIGN_OR_RETURN(auto stmt, Prepare(std::string("SELECT ") + kKeyColumns +
                                               " FROM keys WHERE handle > ? AND status != "
                                               "'destroyed' ORDER BY handle LIMIT ?"));
    SAMP11_RETURN_IF_ERROR(stmt.BindInt64(1, after));
    SAMP11_RETURN_IF_ERROR(stmt.BindInt64(2, LimitParam(limit)));
    return ReadAll(stmt, ReadKeyRow);
  }

  Result<std::vector<KeyRow>> ListKeysByOwner(std::string_view owner, int64_t after,
                                              size_t limit) override {
    return KeysWhere("owner", owner, after, limit);
  }

  Status InsertCert(CertRow& row) override {
    std::lock_guard<std::mutex> lock(mu_);
    SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(db()));
    SAMP11_ASSIGN_OR_RETURN(
        auto stmt,
        Prepare("INSERT INTO certs(key_id, label, der, subject_der, issuer_der, serial_der, "
                "subject_text, not_before, not_after, created, mac) "
                "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    SAMP11_RETURN_IF_ERROR(stmt.BindBlob(1, row.key_id));
    SAMP11_RETURN_IF_ERROR(stmt.BindText(2, row.label));
    SAMP11_RETURN_IF_ERROR(stmt.BindBlob(3, row.der));
    SAMP11_RETURN_IF_ERROR(stmt.BindBlob(4, row.subject_der));
    SAMP11_RETURN_IF_ERROR(stmt.BindBlob(5, row.issuer_der));
    SAMP11_RETURN_IF_ERROR(stmt.BindBlob(6, row.serial_der));
    SAMP11_RETURN_IF_ERROR(stmt.BindText(7, row.subject_text));
    SAMP11_RETURN_IF_ERROR(stmt.BindInt64(8, row.not_before));
    SAMP11_RETURN_IF_ERROR(stmt.BindInt64(9, row.not_after));
    SAMP11_RETURN_IF_ERROR(stmt.BindInt64(10, row.created));
    SAMP11_RETURN_IF_ERROR(stmt.BindBlob(11, row.mac));
    SAMP11_RETURN_IF_ERROR(RunInsert(stmt, "certificate already exists",
                                     "no key " + HexEncode(row.key_id) + " for the certificate"));
    int64_t handle = sqlite3_last_insert_rowid(db());
    SAMP11_RETURN_IF_ERROR(tx->Commit());
    row.handle = handle;
    return Status::Ok();
  }

  Result<std::optional<CertRow>> FindCertByHandle(int64_t handle) override {
    std::lock_guard<std::mutex> lock(mu_);
    SAMP11_ASSIGN_OR_RETURN(
        auto stmt, Prepare(std::string("SELECT ") + kCertColumns + " FROM certs WHERE handle = ?"));
    SAMP11_RETURN_IF_ERROR(stmt.BindInt64(1, handle));
    return ReadOne(stmt, ReadCertRow);
  }

  Result<std::vector<CertRow>> FindCertsByKeyId(const Bytes& key_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    SAMP11_ASSIGN_OR_RETURN(auto stmt, Prepare(std::string("SELECT ") + kCertColumns +
                                               " FROM certs WHERE key_id = ? ORDER BY handle"));
    SAMP11_RETURN_IF_ERROR(stmt.BindBlob(1, key_id));
    return ReadAll(stmt, ReadCertRow);
  }

  Result<std::vector<CertRow>> FindCertsByLabel(std::string_view label, int64_t after,
                                                size_t limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    SAMP11_ASSIGN_OR_RETURN(auto stmt,
                            Prepare(std::string("SELECT ") + kCertColumns +
                                    " FROM certs WHERE label = ? AND handle > ? ORDER BY handle "
                                    "LIMIT ?"));
    SAMP11_RETURN_IF_ERROR(stmt.BindText(1, label));
    SAMP11_RETURN_IF_ERROR(stmt.BindInt64(2, after));
    SAMP11_RETURN_IF_ERROR(stmt.BindInt64(3, LimitParam(limit)));
    return ReadAll(stmt, ReadCertRow);
  }

  Result<std::vector<CertRow>> ListCerts(int64_t after, size_t limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    SAMP11_ASSIGN_OR_RETURN(auto stmt, Prepare(std::string("SELECT ") + kCertColumns +
                                               " FROM certs WHERE handle > ? ORDER BY handle "
                                               "LIMIT ?"));
    SAMP11_RETURN_IF_ERROR(stmt.BindInt64(1, after));
    SAMP11_RETURN_IF_ERROR(stmt.BindInt64(2, LimitParam(limit)));
    return ReadAll(stmt, ReadCertRow);
  }

  Result<bool> InsertSpentHash(const SpentHashRow& row) override {
    std::lock_guard<std::mutex> lock(mu_);
    SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(db()));
    SAMP11_ASSIGN_OR_RETURN(bool won, InsertSpentHashLocked(row));
    if (!won) return false;
    // The commit is the durability point: synchronous=FULL syncs the WAL before COMMIT returns.
    SAMP11_RETURN_IF_ERROR(tx->Commit());
    return true;
  }

  Result<std::vector<bool>> WriteJournal(const std::vector<JournalEntry>& entries,
                                         bool synced) override {
    std::lock_guard<std::mutex> lock(mu_);
    SigningPathWrite counted(this);
    // NORMAL for this commit only: in WAL mode the commit is then written but not synced; the
    // next FULL commit syncs the WAL, and with it these frames, which come before its own.
    if (!synced) SAMP11_RETURN_IF_ERROR(SqliteExec(db(), "PRAGMA synchronous = NORMAL"));
    struct RestoreFull {
      sqlite3* db;
      bool active;
      ~RestoreFull() {
        if (active) sqlite3_exec(db, "PRAGMA synchronous = FULL", nullptr, nullptr, nullptr);
      }
    } restore{db(), !synced};
    SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(db()));
    std::vector<bool> won;
    won.reserve(entries.size());
    for (const JournalEntry& entry : entries) {
      bool spend_won = true;
      if (entry.spend) {
        // A lost spend (already spent) rolls back nothing: its insert did not happen.
        SAMP11_ASSIGN_OR_RETURN(spend_won, InsertSpentHashLocked(*entry.spend));
      }
      SAMP11_RETURN_IF_ERROR(SqliteAppendAuditInTransaction(
          db(), [&](const AuditTail& tail) { return entry.make_append(tail, spend_won); }));
      won.push_back(spend_won);
    }
    SAMP11_RETURN_IF_ERROR(tx->Commit());
    return won;
  }

  Result<std::vector<bool>> ClaimSpentHashes(
      const std::vector<SpentHashRow>& rows,
      const std::function<Result<AuditAppend>(const AuditTail& tail, size_t claimed)>& make_append)
      override {
    std::lock_guard<std::mutex> lock(mu_);
    SigningPathWrite counted(this);
    SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(db()));
    std::vector<bool> won;
    won.reserve(rows.size());
    size_t claimed = 0;
    for (const SpentHashRow& row : rows) {
      SAMP11_ASSIGN_OR_RETURN(bool spent_now, InsertSpentHashLocked(row));
      won.push_back(spent_now);
      claimed += spent_now ? 1 : 0;
    }
    SAMP11_RETURN_IF_ERROR(SqliteAppendAuditInTransaction(
        db(), [&](const AuditTail& tail) { return make_append(tail, claimed); }));
    SAMP11_RETURN_IF_ERROR(tx->Commit());  // synchronous=FULL: durable here
    return won;
  }

  Result<bool> IsHashSpent(std::string_view kid, std::string_view jti, const Bytes& hash) override {
    std::lock_guard<std::mutex> lock(mu_);
    SAMP11_ASSIGN_OR_RETURN(
        auto stmt, Prepare("SELECT 1 FROM spent_hashes WHERE kid = ? AND jti = ? AND hash = ?"));
    SAMP11_RETURN_IF_ERROR(stmt.BindText(1, kid));
    SAMP11_RETURN_IF_ERROR(stmt.BindText(2, jti));
    SAMP11_RETURN_IF_ERROR(stmt.BindBlob(3, hash));
    return stmt.Step();
  }

  Result<int64_t> PurgeSpentHashes(int64_t sad_exp_before) override {
    std::lock_guard<std::mutex> lock(mu_);
    SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(db()));
    SAMP11_ASSIGN_OR_RETURN(auto stmt, Prepare("DELETE FROM spent_hashes WHERE sad_exp < ?"));
    SAMP11_RETURN_IF_ERROR(stmt.BindInt64(1, sad_exp_before));
    SAMP11_RETURN_IF_ERROR(stmt.Run());
    int64_t removed = sqlite3_changes64(db());
    SAMP11_RETURN_IF_ERROR(tx->Commit());
    return removed;
  }

  // Deposits.
  Status InsertDeposit(const DepositRow& row) override {
    std::lock_guard<std::mutex> lock(mu_);
    SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(db()));
    SAMP11_ASSIGN_OR_RETURN(auto stmt,
                            Prepare("INSERT INTO deposited_sads(kid, jti, key_id, sad, sad_exp, "
                                    "deposited_at) VALUES(?, ?, ?, ?, ?, ?)"));
    SAMP11_RETURN_IF_ERROR(stmt.BindText(1, row.kid));
    SAMP11_RETURN_IF_ERROR(stmt.BindText(2, row.jti));
    SAMP11_RETURN_IF_ERROR(stmt.BindBlob(3, row.key_id));
    SAMP11_RETURN_IF_ERROR(stmt.BindText(4, row.sad));
    SAMP11_RETURN_IF_ERROR(stmt.BindInt64(5, row.sad_exp));
    SAMP11_RETURN_IF_ERROR(stmt.BindInt64(6, row.deposited_at));
    SAMP11_RETURN_IF_ERROR(
        RunInsert(stmt, "a SAD with kid " + row.kid + " and jti " + row.jti + " is deposited"));
    SAMP11_ASSIGN_OR_RETURN(auto hash_stmt,
                            Prepare("INSERT INTO deposited_hashes(key_id, hash, kid, jti) "
                                    "VALUES(?, ?, ?, ?)"));
    for (const Bytes& hash : row.hashes) {
      SAMP11_RETURN_IF_ERROR(hash_stmt.BindBlob(1, row.key_id));
      SAMP11_RETURN_IF_ERROR(hash_stmt.BindBlob(2, hash));
      SAMP11_RETURN_IF_ERROR(hash_stmt.BindText(3, row.kid));
      SAMP11_RETURN_IF_ERROR(hash_stmt.BindText(4, row.jti));
      SAMP11_RETURN_IF_ERROR(RunInsert(hash_stmt, "a deposited SAD lists one hash twice"));
      SAMP11_RETURN_IF_ERROR(hash_stmt.Reset());
    }
    return tx->Commit();
  }

  Result<std::vector<std::string>> FindDeposits(const Bytes& key_id, const Bytes& hash,
                                                int64_t min_exp, size_t limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    SAMP11_ASSIGN_OR_RETURN(auto stmt,
                            Prepare("SELECT s.sad FROM deposited_hashes h JOIN deposited_sads s "
                                    "ON s.kid = h.kid AND s.jti = h.jti "
                                    "WHERE h.key_id = ? AND h.hash = ? AND s.sad_exp >= ? "
                                    "ORDER BY s.deposited_at DESC LIMIT ?"));
    SAMP11_RETURN_IF_ERROR(stmt.BindBlob(1, key_id));
    SAMP11_RETURN_IF_ERROR(stmt.BindBlob(2, hash));
    SAMP11_RETURN_IF_ERROR(stmt.BindInt64(3, min_exp));
    SAMP11_RETURN_IF_ERROR(stmt.BindInt64(4, static_cast<int64_t>(limit)));
    std::vector<std::string> out;
    for (;;) {
      SAMP11_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
      if (!has_row) break;
      out.push_back(stmt.ColumnText(0));
    }
    return out;
  }

  Result<int64_t> PurgeDeposits(int64_t sad_exp_before) override {
    std::lock_guard<std::mutex> lock(mu_);
    SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(db()));
    // deposited_hashes rows go with their SAD (ON DELETE CASCADE).
    SAMP11_ASSIGN_OR_RETURN(auto stmt, Prepare("DELETE FROM deposited_sads WHERE sad_exp < ?"));
    SAMP11_RETURN_IF_ERROR(stmt.BindInt64(1, sad_exp_before));
    SAMP11_RETURN_IF_ERROR(stmt.Run());
    int64_t removed = sqlite3_changes64(db());
    SAMP11_RETURN_IF_ERROR(tx->Commit());
    return removed;
  }

  // Audit: the SQL lives in sqlite_audit.cc.
  Status AppendAudit(
      const std::function<Result<AuditAppend>(const AuditTail& tail)>& make_append) override {
    std::lock_guard<std::mutex> lock(mu_);
    SigningPathWrite counted(this);
    return SqliteAppendAudit(db(), make_append);
  }

  Result<AuditTail> GetAuditTail() override {
    std::lock_guard<std::mutex> lock(mu_);
    return SqliteGetAuditTail(db());
  }

  Result<std::vector<AuditRow>> ListAuditRows(int64_t after_seq, size_t limit,
                                              const AuditRowFilter& filter) override {
    std::lock_guard<std::mutex> lock(mu_);
    return SqliteListAuditRows(db(), after_seq, limit, filter);
  }

  Status Rekey(const RekeyPlan& plan) override {
    std::lock_guard<std::mutex> lock(mu_);
    SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(db()));
    Status walked1 = RekeyTable<SignerRow>(
        db(),
        std::string("SELECT ") + kSignerColumns +
            ", rowid FROM signers WHERE rowid > ? ORDER BY rowid LIMIT ?",
        ReadSignerRow, 6, plan.signer, "UPDATE signers SET mac = ?, status_mac = ? WHERE rowid = ?",
        [](SqliteStatement& update, const SignerRow& row, int64_t rowid) -> Status {
          SAMP11_RETURN_IF_ERROR(update.BindBlob(1, row.mac));
          SAMP11_RETURN_IF_ERROR(update.BindBlob(2, row.status_mac));
          return update.BindInt64(3, rowid);
        });
    SAMP11_RETURN_IF_ERROR(walked1);
    Status walked2 = RekeyTable<ActivationKeyRow>(
        db(),
        "SELECT kid, role, owner, alg, public_spki, created, mac, rowid FROM activation_keys "
        "WHERE rowid > ? ORDER BY rowid LIMIT ?",
        ReadActivationKeyRow, 7, plan.activation_key,
        "UPDATE activation_keys SET mac = ? WHERE rowid = ?",
        [](SqliteStatement& update, const ActivationKeyRow& row, int64_t rowid) -> Status {
          SAMP11_RETURN_IF_ERROR(update.BindBlob(1, row.mac));
          return update.BindInt64(2, rowid);
        });
    SAMP11_RETURN_IF_ERROR(walked2);
    Status walked3 =
        RekeyTable<KeyRow>(db(),
                           std::string("SELECT ") + kKeyColumns +
                               ", rowid FROM keys WHERE rowid > ? ORDER BY rowid LIMIT ?",
                           ReadKeyRow, 16, plan.key,
                           "UPDATE keys SET wrapped_private = ?, status_mac = ? WHERE rowid = ?",
                           [](SqliteStatement& update, const KeyRow& row, int64_t rowid) -> Status {
                             SAMP11_RETURN_IF_ERROR(update.BindBlob(1, row.wrapped_private));
                             SAMP11_RETURN_IF_ERROR(update.BindBlob(2, row.status_mac));
                             return update.BindInt64(3, rowid);
                           });
    SAMP11_RETURN_IF_ERROR(walked3);
    Status walked4 = RekeyTable<CertRow>(
        db(),
        std::string("SELECT ") + kCertColumns +
            ", rowid FROM certs WHERE rowid > ? ORDER BY rowid LIMIT ?",
        ReadCertRow, 12, plan.cert, "UPDATE certs SET mac = ? WHERE rowid = ?",
        [](SqliteStatement& update, const CertRow& row, int64_t rowid) -> Status {
          SAMP11_RETURN_IF_ERROR(update.BindBlob(1, row.mac));
          return update.BindInt64(2, rowid);
        });
    SAMP11_RETURN_IF_ERROR(walked4);
    SAMP11_RETURN_IF_ERROR(SqliteRekeyPins(db(), plan));
    for (const auto& [name, value] : plan.meta) {
      SAMP11_ASSIGN_OR_RETURN(
          auto stmt, Prepare(value ? "INSERT OR REPLACE INTO meta(name, value) VALUES(?, ?)"
                                   : "DELETE FROM meta WHERE name = ?"));
      SAMP11_RETURN_IF_ERROR(stmt.BindText(1, name));
      if (value) SAMP11_RETURN_IF_ERROR(stmt.BindText(2, *value));
      SAMP11_RETURN_IF_ERROR(stmt.Run());
    }
    SAMP11_RETURN_IF_ERROR(SqliteRekeyAudit(db(), plan));
    return tx->Commit();
  }

  // Lifecycle: the SQL lives in sqlite_lifecycle.cc.
  Status UpdateKeyStatus(const KeyRow& row) override {
    std::lock_guard<std::mutex> lock(mu_);
    return SqliteUpdateKeyStatus(db(), row, /*destroy=*/false);
  }

  Status DestroyKey(const KeyRow& row) override {
    std::lock_guard<std::mutex> lock(mu_);
    SAMP11_RETURN_IF_ERROR(SqliteUpdateKeyStatus(db(), row, /*destroy=*/true));
    return SqliteEraseFreedPages(db());
  }

  Status UpdateSignerStatus(const SignerRow& row) override {
    std::lock_guard<std::mutex> lock(mu_);
    return SqliteUpdateSignerStatus(db(), row);
  }

  Status RemoveSigner(const SignerRow& row) override {
    std::lock_guard<std::mutex> lock(mu_);
    return SqliteRemoveSigner(db(), row);
  }

  Result<int64_t> FillMissingLifecycleMacs(const LifecycleMacs& macs) override {
    std::lock_guard<std::mutex> lock(mu_);
    return SqliteFillMissingLifecycleMacs(db(), macs);
  }

  // PINs: the SQL lives in sqlite_pins.cc.
  Status UpsertSignerPin(const SignerPinRow& row) override {
    std::lock_guard<std::mutex> lock(mu_);
    return SqliteUpsertSignerPin(db(), row);
  }

  Result<std::optional<SignerPinRow>> FindSignerPin(std::string_view name) override {
    std::lock_guard<std::mutex> lock(mu_);
    return SqliteFindSignerPin(db(), name);
  }

  Result<std::vector<SignerPinRow>> ListSignerPins() override {
    std::lock_guard<std::mutex> lock(mu_);
    return SqliteListSignerPins(db());
  }

  Result<bool> TakePinTry(std::string_view name, int64_t max_tries) override {
    std::lock_guard<std::mutex> lock(mu_);
    return SqliteTakePinTry(db(), name, max_tries);
  }

  Status InsertSadRequest(const SadRequestRow& row) override {
    std::lock_guard<std::mutex> lock(mu_);
    return SqliteInsertSadRequest(db(), row);
  }

  Result<std::optional<SadRequestRow>> FindSadRequest(std::string_view id) override {
    std::lock_guard<std::mutex> lock(mu_);
    return SqliteFindSadRequest(db(), id);
  }

  Result<std::vector<SadRequestRow>> ListPendingSadRequests(int64_t now, size_t limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    return SqliteListPendingSadRequests(db(), now, limit);
  }

  Result<bool> EndSadRequest(std::string_view id, std::string_view state, std::string_view detail,
                             int64_t now) override {
    std::lock_guard<std::mutex> lock(mu_);
    return SqliteEndSadRequest(db(), id, state, detail, now);
  }

  Status ResetPinFailures(std::string_view name) override {
    std::lock_guard<std::mutex> lock(mu_);
    return SqliteResetPinFailures(db(), name);
  }

 private:
  // Counts the rows a signing-path write changes (committed or not) as its own, so that they
  // leave KeyStateVersion alone. mu_ held for the object's life.
  struct SigningPathWrite {
    explicit SigningPathWrite(SqliteStateStore* store)
        : store(store), before(sqlite3_total_changes64(store->db())) {}
    ~SigningPathWrite() {
      store->signing_path_changes_ += sqlite3_total_changes64(store->db()) - before;
    }
    SqliteStateStore* store;
    int64_t before;
  };

  // Inside a write transaction, mu_ held: false if that hash of that SAD is spent already.
  Result<bool> InsertSpentHashLocked(const SpentHashRow& row) {
    SAMP11_ASSIGN_OR_RETURN(
        auto stmt, Prepare("INSERT INTO spent_hashes(kid, jti, hash, key_id, sad_exp, spent_at) "
                           "VALUES(?, ?, ?, ?, ?, ?)"));
    SAMP11_RETURN_IF_ERROR(stmt.BindText(1, row.kid));
    SAMP11_RETURN_IF_ERROR(stmt.BindText(2, row.jti));
    SAMP11_RETURN_IF_ERROR(stmt.BindBlob(3, row.hash));
    SAMP11_RETURN_IF_ERROR(stmt.BindBlob(4, row.key_id));
    SAMP11_RETURN_IF_ERROR(stmt.BindInt64(5, row.sad_exp));
    SAMP11_RETURN_IF_ERROR(stmt.BindInt64(6, row.spent_at));
    int rc = stmt.StepRaw();
    // Only the primary key can make this insert fail by constraint: the hash was already spent.
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) return false;
    if (rc != SQLITE_DONE) return SqliteError(db(), "spending a hash");
    return true;
  }

  sqlite3* db() { return db_.get(); }

  Result<SqliteStatement> Prepare(std::string_view sql) {
    return SqliteStatement::Prepare(db(), sql);
  }

  // Runs an INSERT; a uniqueness failure is kAlreadyExists, a foreign key failure kNotFound.
  Status RunInsert(SqliteStatement& stmt, const std::string& exists_message,
                   const std::string& missing_parent_message = "") {
    int rc = stmt.StepRaw();
    if (rc == SQLITE_DONE) return Status::Ok();
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE) {
      return Status(Code::kAlreadyExists, exists_message);
    }
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY && !missing_parent_message.empty()) {
      return Status(Code::kNotFound, missing_parent_message);
    }
    if (IsConstraint(rc)) return SqliteError(db(), "sqlite constraint");
    return SqliteError(db(), "sqlite insert");
  }

  // column is one of two fixed names, never caller input.
  Result<std::vector<KeyRow>> KeysWhere(const char* column, std::string_view value, int64_t after,
                                        size_t limit) {
    std::lock_guard<std::mutex> lock(mu_);
    SAMP11_ASSIGN_OR_RETURN(
        auto stmt,
        Prepare(std::string("SELECT ") + kKeyColumns + " FROM keys WHERE " + column +
                " = ? AND handle > ? AND status != 'destroyed' ORDER BY handle LIMIT ?"));
    SAMP11_RETURN_IF_ERROR(stmt.BindText(1, value));
    SAMP11_RETURN_IF_ERROR(stmt.BindInt64(2, after));
    SAMP11_RETURN_IF_ERROR(stmt.BindInt64(3, LimitParam(limit)));
    return ReadAll(stmt, ReadKeyRow);
  }

  std::mutex mu_;
  SqliteDbPtr db_;
  int64_t signing_path_changes_ = 0;  // mu_ held; see SigningPathWrite
};

// Creates the file ourselves so that it is 0600 from its first byte (SQLite would create it with
// 0644 less the umask) and so that O_EXCL makes "already exists" atomic. SQLite treats an empty
// file as a new database and gives its -wal and -shm files the database file's mode.
Status CreateEmptyFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) {
    int err = errno;
    if (err == EEXIST) return Status(Code::kAlreadyExists, "keystore " + path + " already exists");
    return Status(Code::kStorage, "cannot create keystore " + path + ": " + std::strerror(err));
  }
  ::close(fd);
  return Status::Ok();
}

void RemoveTokenFiles(const std::string& path) {
  ::unlink(path.c_str());
  ::unlink((path + "-wal").c_str());
  ::unlink((path + "-shm").c_str());
}

Status Configure(sqlite3* db) {
  // Extended codes let InsertSpentHash tell a primary-key collision from any other failure
  // straight from sqlite3_step's return value.
  sqlite3_extended_result_codes(db, 1);
  if (sqlite3_busy_timeout(db, kBusyTimeoutMs) != SQLITE_OK) {
    return SqliteError(db, "setting the busy timeout");
  }
  SAMP11_RETURN_IF_ERROR(SqliteExec(db, "PRAGMA foreign_keys = ON"));
  // A destroyed key's wrapped blob, and anything else deleted, is overwritten with zeros in the
  // file instead of left in free space (docs/keystore.md, "Destroying a key").
  SAMP11_RETURN_IF_ERROR(SqliteExec(db, "PRAGMA secure_delete = ON"));
  SAMP11_ASSIGN_OR_RETURN(auto wal, SqliteStatement::Prepare(db, "PRAGMA journal_mode = WAL"));
  SAMP11_ASSIGN_OR_RETURN(bool has_row, wal.Step());
  if (!has_row || wal.ColumnText(0) != "wal") {
    return Status(Code::kStorage, "the keystore could not be switched to WAL journaling");
  }
  // FULL: a committed spent hash survives power loss, so a SAD cannot be replayed after a crash.
  return SqliteExec(db, "PRAGMA synchronous = FULL");
}

Result<std::unique_ptr<StateStore>> OpenAndPrepare(const std::string& path, bool create) {
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  SqliteDbPtr db(raw);
  if (rc != SQLITE_OK) {
    return SqliteError(db.get(), "cannot open keystore " + path);
  }
  SAMP11_RETURN_IF_ERROR(Configure(db.get()));
  if (create) {
    SAMP11_RETURN_IF_ERROR(CreateSchema(db.get()));
  } else {
    SAMP11_RETURN_IF_ERROR(CheckSchemaVersion(db.get()));
  }
  return std::unique_ptr<StateStore>(new SqliteStateStore(std::move(db)));
}

}  // namespace

Result<std::unique_ptr<StateStore>> OpenSqliteStateStore(const std::string& path, bool create) {
  if (!create) {
    // SQLITE_OPEN_READWRITE without CREATE already refuses a missing file, but with a vaguer
    // message ("unable to open database file").
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
      return Status(Code::kNotFound, "keystore " + path + " does not exist");
    }
    return OpenAndPrepare(path, false);
  }
  SAMP11_RETURN_IF_ERROR(CreateEmptyFile(path));
  auto store = OpenAndPrepare(path, true);
  if (!store.ok()) RemoveTokenFiles(path);
  return store;
}

}  // namespace samp11
