#include "state/sqlite/sqlite_schema.h"

#include <memory>
#include <string>

#include "state/sqlite/sqlite_util.h"

namespace samp11 {
namespace {

// Every lookup the keystore makes is by primary key or by one of these indexes, and listings are
// paged by handle: the token is designed for a million keys. An index on one column is ordered by
// (column, rowid), and handle is the rowid, so "label = ? AND handle > ? ORDER BY handle" is a
// range scan of keys_label.
constexpr char kSchema[] = R"sql(
CREATE TABLE meta(
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- status: enabled, disabled or removed (a removed signer's row stays, so its name, which its
-- destroyed keys and the audit log still carry, is never given to someone else). status_mac
-- (keystore/aad.h) binds the status; NULL only before the first open under schema 3.
CREATE TABLE signers(
  name TEXT PRIMARY KEY,
  created INTEGER NOT NULL,
  mac BLOB NOT NULL,
  status TEXT NOT NULL DEFAULT 'enabled',
  status_changed INTEGER NOT NULL DEFAULT 0,
  status_mac BLOB
);

-- A signer's PIN, which activates that signer's SCAL1 keys (keystore_pins.cc). hash is a keyed
-- scrypt hash (pin_hash.h); mac binds (name, salt, hash). failures counts wrong tries since the
-- last right one: taken before each check, in one UPDATE, and reset by a right PIN or a new one.
CREATE TABLE signer_pins(
  name TEXT PRIMARY KEY REFERENCES signers(name),
  salt BLOB NOT NULL,
  hash BLOB NOT NULL,
  failures INTEGER NOT NULL DEFAULT 0,
  mac BLOB NOT NULL
);

CREATE TABLE activation_keys(
  kid TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  owner TEXT NOT NULL,
  alg TEXT NOT NULL,
  public_spki BLOB NOT NULL,
  created INTEGER NOT NULL,
  mac BLOB NOT NULL,
  status TEXT NOT NULL DEFAULT 'enabled',
  status_changed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX activation_keys_owner ON activation_keys(owner);

-- Lifecycle columns: status is enabled, disabled or destroyed (wrapped_private is then empty);
-- certified is set once a certificate was imported; status_mac binds the three to the id
-- (keystore/aad.h) and is NULL only before the first open under schema 3.
-- AUTOINCREMENT: a handle is never reused, so a PKCS#11 object handle held by an application can
-- never come to name another key.
CREATE TABLE keys(
  handle INTEGER PRIMARY KEY AUTOINCREMENT,
  id BLOB UNIQUE NOT NULL,
  label TEXT NOT NULL,
  key_type TEXT NOT NULL,
  owner TEXT NOT NULL REFERENCES signers(name),
  scal INTEGER NOT NULL,
  policy_json TEXT NOT NULL,
  public_spki BLOB NOT NULL,
  wrapped_private BLOB NOT NULL,
  created INTEGER NOT NULL,
  backend TEXT NOT NULL DEFAULT 'file',  -- key_backend.h; bound into the wrapping's AAD
  origin TEXT NOT NULL DEFAULT 'generated',  -- key_origin in key_backend.h; bound likewise
  status TEXT NOT NULL DEFAULT 'enabled',
  status_changed INTEGER NOT NULL DEFAULT 0,
  certified INTEGER NOT NULL DEFAULT 0,
  status_mac BLOB
);
CREATE INDEX keys_label ON keys(label);
CREATE INDEX keys_owner ON keys(owner);

-- mac: keystore/aad.h CertMacInput; NULL only before the first open under schema 3.
CREATE TABLE certs(
  handle INTEGER PRIMARY KEY AUTOINCREMENT,
  key_id BLOB NOT NULL REFERENCES keys(id),
  label TEXT NOT NULL,
  der BLOB NOT NULL,
  subject_der BLOB NOT NULL,
  issuer_der BLOB NOT NULL,
  serial_der BLOB NOT NULL,
  subject_text TEXT NOT NULL,
  not_before INTEGER NOT NULL,
  not_after INTEGER NOT NULL,
  created INTEGER NOT NULL,
  mac BLOB
);
CREATE INDEX certs_key_id ON certs(key_id);
CREATE INDEX certs_label ON certs(label);

-- The replay table: a row is committed (synchronous=FULL) before the signature it allows leaves
-- the module. The primary key is what makes a second spend of the same hash fail, across threads
-- and processes alike.
CREATE TABLE spent_hashes(
  kid TEXT NOT NULL,
  jti TEXT NOT NULL,
  hash BLOB NOT NULL,
  key_id BLOB NOT NULL,
  sad_exp INTEGER NOT NULL,
  spent_at INTEGER NOT NULL,
  PRIMARY KEY(kid, jti, hash)
) WITHOUT ROWID;
CREATE INDEX spent_hashes_sad_exp ON spent_hashes(sad_exp);

-- The audit log (keystore/audit_keystore.cc): append-only, seq consecutive from 1. chain is
-- SHA-256(previous chain || every other field, canonically encoded), mac an HMAC of (seq, chain)
-- under the audit key: an edited, deleted or moved row breaks the chain where it happened.
-- Fields a record does not have are empty, not NULL. The indexes serve `samp11 audit show`
-- filters; a filtered listing is paged by seq, the rowid, which every one-column index carries.
CREATE TABLE audit_log(
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  pid INTEGER NOT NULL,
  event TEXT NOT NULL,
  outcome TEXT NOT NULL,
  signer TEXT NOT NULL,
  key_id BLOB NOT NULL,
  kid TEXT NOT NULL,
  jti TEXT NOT NULL,
  detail TEXT NOT NULL,
  chain BLOB NOT NULL,
  mac BLOB NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_signer ON audit_log(signer);
CREATE INDEX audit_log_key_id ON audit_log(key_id);
-- The log's last seq and chain, written in the same transaction as each append and MAC'd: a
-- deleted tail shows as rows missing below the head.
CREATE TABLE audit_head(
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL,
  chain BLOB NOT NULL,
  mac BLOB NOT NULL
);

-- deposited_sads holds SADs handed to the module ahead of the signature they activate (for
-- signing applications that cannot pass the SAD in the same call); a SAD is useless after exp,
-- so rows are purged by exp like spent_hashes.
CREATE TABLE deposited_sads(
  kid TEXT NOT NULL,
  jti TEXT NOT NULL,
  key_id BLOB NOT NULL,
  sad TEXT NOT NULL,
  sad_exp INTEGER NOT NULL,
  deposited_at INTEGER NOT NULL,
  PRIMARY KEY(kid, jti)
) WITHOUT ROWID;
CREATE INDEX deposited_sads_key_id ON deposited_sads(key_id);
CREATE INDEX deposited_sads_sad_exp ON deposited_sads(sad_exp);
-- One row per bound hash of a deposited SAD: C_Sign finds a deposit by (key, hash) in one lookup.
CREATE TABLE deposited_hashes(
  key_id BLOB NOT NULL,
  hash BLOB NOT NULL,
  kid TEXT NOT NULL,
  jti TEXT NOT NULL,
  PRIMARY KEY(key_id, hash, kid, jti),
  FOREIGN KEY(kid, jti) REFERENCES deposited_sads(kid, jti) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX deposited_hashes_sad ON deposited_hashes(kid, jti);
)sql";

// Schema 4: requests for a SAD waiting for a signer's device (the deposit SAD provider): C_Sign
// records one and waits for a matching deposit or a refusal. Purged an hour after they expire.
// Also the whole migration from version 3.
constexpr char kSadRequests[] = R"sql(
CREATE TABLE sad_requests(
  id TEXT PRIMARY KEY,
  created INTEGER NOT NULL,
  expires INTEGER NOT NULL,
  signer TEXT NOT NULL,
  key_id BLOB NOT NULL,
  request_json TEXT NOT NULL,
  state TEXT NOT NULL,
  detail TEXT NOT NULL,
  updated INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sad_requests_state ON sad_requests(state, created);
CREATE INDEX sad_requests_expires ON sad_requests(expires);
)sql";

// Schema 6: an authorization server's subjects enrolled as signers (SignerSubjectRow): an access
// token whose (iss, sub) has a row here speaks for that row's signer. mac binds every column
// (keystore/aad.h). Also, with kSignerOtp, the whole migration from version 5.
constexpr char kSignerSubjects[] = R"sql(
CREATE TABLE IF NOT EXISTS signer_subjects(
  issuer TEXT NOT NULL,
  subject TEXT NOT NULL,
  signer TEXT NOT NULL REFERENCES signers(name),
  created INTEGER NOT NULL,
  mac BLOB NOT NULL,
  PRIMARY KEY(issuer, subject)
);
CREATE INDEX IF NOT EXISTS signer_subjects_signer ON signer_subjects(signer);
)sql";

// Schema 6 too: signers' one-time-password enrolments (keystore/signer_otp.h). secret is AES-GCM-
// wrapped under the master key with (name, kind, params, created) as associated data (aad.h);
// last_step (the last TOTP or OCRA time step accepted) and failures (wrong OCRA responses in a
// row) change only in single UPDATEs that test and set them.
constexpr char kSignerOtp[] = R"sql(
CREATE TABLE signer_otp(
  name TEXT NOT NULL REFERENCES signers(name),
  kind TEXT NOT NULL,
  params TEXT NOT NULL,
  secret BLOB NOT NULL,
  created INTEGER NOT NULL,
  last_step INTEGER NOT NULL DEFAULT 0,
  failures INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(name, kind)
);
)sql";

}  // namespace

Status CreateSchema(sqlite3* db) {
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(db));
  SAMP11_RETURN_IF_ERROR(SqliteExec(db, kSchema));
  SAMP11_RETURN_IF_ERROR(SqliteExec(db, kSadRequests));
  SAMP11_RETURN_IF_ERROR(SqliteExec(db, kSignerSubjects));
  SAMP11_RETURN_IF_ERROR(SqliteExec(db, kSignerOtp));
  SAMP11_ASSIGN_OR_RETURN(
      auto stmt, SqliteStatement::Prepare(db, "INSERT INTO meta(name, value) VALUES(?, ?)"));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(1, "schema_version"));
  SAMP11_RETURN_IF_ERROR(stmt.BindText(2, kSchemaVersion));
  SAMP11_RETURN_IF_ERROR(stmt.Run());
  return tx->Commit();
}

namespace {

Result<std::string> ReadVersion(sqlite3* db) {
  SAMP11_ASSIGN_OR_RETURN(auto read,
                          SqliteStatement::Prepare(db, "SELECT value FROM meta WHERE name = ?"));
  SAMP11_RETURN_IF_ERROR(read.BindText(1, "schema_version"));
  SAMP11_ASSIGN_OR_RETURN(bool found, read.Step());
  if (!found) return Status(Code::kConfig, "the keystore has no schema_version");
  return read.ColumnText(0);
}

// Version 1 had no backend and origin columns: every key was a file key made by samp11. Adding
// the columns with those defaults is the whole migration (KeyWrapAad keeps the v1 form for file
// keys). Version 2 had no lifecycle: every key and signer was enabled, every key uncertified
// (certified is set below for keys that have certificates). The status and certificate MACs are
// filled by the keystore at open (it holds the MAC key; the store does not).
constexpr char kFrom1[] = R"sql(
ALTER TABLE keys ADD COLUMN backend TEXT NOT NULL DEFAULT 'file';
ALTER TABLE keys ADD COLUMN origin TEXT NOT NULL DEFAULT 'generated';
)sql";
constexpr char kFrom2[] = R"sql(
ALTER TABLE signers ADD COLUMN status TEXT NOT NULL DEFAULT 'enabled';
ALTER TABLE signers ADD COLUMN status_changed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE signers ADD COLUMN status_mac BLOB;
ALTER TABLE keys ADD COLUMN status TEXT NOT NULL DEFAULT 'enabled';
ALTER TABLE keys ADD COLUMN status_changed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE keys ADD COLUMN certified INTEGER NOT NULL DEFAULT 0;
ALTER TABLE keys ADD COLUMN status_mac BLOB;
UPDATE keys SET certified = 1 WHERE id IN (SELECT key_id FROM certs);
ALTER TABLE certs ADD COLUMN mac BLOB;
)sql";

// Version 4 had no activation key lifecycle: every key was enabled, and its MAC (the form of a
// key never changed) stays valid, so nothing is rewritten.
constexpr char kFrom4[] = R"sql(
ALTER TABLE activation_keys ADD COLUMN status TEXT NOT NULL DEFAULT 'enabled';
ALTER TABLE activation_keys ADD COLUMN status_changed INTEGER NOT NULL DEFAULT 0;
)sql";

// Runs in one write transaction that reads the version again, so two processes opening an old
// file at once migrate it once. Returns whether this call migrated.
Result<bool> Migrate(sqlite3* db) {
  SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(db));
  SAMP11_ASSIGN_OR_RETURN(std::string version, ReadVersion(db));
  if (version == kSchemaVersion) return false;  // someone else migrated it
  if (version == "1") SAMP11_RETURN_IF_ERROR(SqliteExec(db, kFrom1));
  if (version == "1" || version == "2") SAMP11_RETURN_IF_ERROR(SqliteExec(db, kFrom2));
  const bool before4 = version == "1" || version == "2" || version == "3";
  if (before4) SAMP11_RETURN_IF_ERROR(SqliteExec(db, kSadRequests));
  if (before4 || version == "4") SAMP11_RETURN_IF_ERROR(SqliteExec(db, kFrom4));
  // Every version before 6:
  SAMP11_RETURN_IF_ERROR(SqliteExec(db, kSignerSubjects));
  SAMP11_RETURN_IF_ERROR(SqliteExec(db, kSignerOtp));
  SAMP11_ASSIGN_OR_RETURN(auto write,
                          SqliteStatement::Prepare(db, "UPDATE meta SET value = ? WHERE name = ?"));
  SAMP11_RETURN_IF_ERROR(write.BindText(1, kSchemaVersion));
  SAMP11_RETURN_IF_ERROR(write.BindText(2, "schema_version"));
  SAMP11_RETURN_IF_ERROR(write.Run());
  SAMP11_RETURN_IF_ERROR(tx->Commit());
  return true;
}

}  // namespace

Result<int64_t> CheckSchemaVersion(sqlite3* db) {
  std::string version;
  {  // no statement may stay open across the migration's transaction
    SAMP11_ASSIGN_OR_RETURN(
        auto has_meta,
        SqliteStatement::Prepare(
            db, "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'meta'"));
    SAMP11_ASSIGN_OR_RETURN(bool found, has_meta.Step());
    if (!found) return Status(Code::kConfig, "the file is not a samp11 keystore (no meta table)");
    SAMP11_ASSIGN_OR_RETURN(auto stmt,
                            SqliteStatement::Prepare(db, "SELECT value FROM meta WHERE name = ?"));
    SAMP11_RETURN_IF_ERROR(stmt.BindText(1, "schema_version"));
    SAMP11_ASSIGN_OR_RETURN(found, stmt.Step());
    if (!found) return Status(Code::kConfig, "the keystore has no schema_version");
    version = stmt.ColumnText(0);
  }
  if (version == "3" || version == "4" || version == "5") {  // new tables and columns only
    SAMP11_ASSIGN_OR_RETURN(bool migrated, Migrate(db));
    return migrated ? static_cast<int64_t>(std::stoll(version)) : int64_t{0};
  }
  if (version == "1" || version == "2") {
    SAMP11_ASSIGN_OR_RETURN(bool migrated, Migrate(db));
    if (!migrated) return int64_t{0};  // another process did, and fills the MACs
    // Rows deleted before secure_delete was on may still sit in free pages: rewrite the file
    // once. Best effort: another process reading the file makes VACUUM fail, not the open.
    (void)SqliteExec(db, "VACUUM");
    return static_cast<int64_t>(std::stoll(version));
  }
  if (version != kSchemaVersion) {
    return Status(Code::kConfig, "keystore schema version " + version +
                                     " is not supported (this build reads versions 1 to " +
                                     kSchemaVersion + ")");
  }
  return int64_t{0};
}

}  // namespace samp11
