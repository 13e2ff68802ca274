#include "state/postgres/pg_schema.h"

#include <string>

namespace samp11 {
namespace {

// Any fixed number: the key of the advisory lock that makes nodes migrate one at a time.
constexpr int64_t kMigrationLock = 0x73616d703131;  // "samp11"

// Migration n takes the schema from version n - 1 to n.
constexpr const char* kMigrations[] = {
    nullptr,
    // 1: the whole state, as state/sqlite/sqlite_schema.cc keeps it in a file, but for the audit
    // log: each node keeps its own chain (node, seq), so that nodes never wait for one another
    // to append (docs/keystore.md). BIGINT for SQLite's INTEGER, BYTEA for BLOB; handles are
    // identities, never given twice.
    R"(
CREATE TABLE meta(
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE signers(
  name TEXT PRIMARY KEY,
  created BIGINT NOT NULL,
  mac BYTEA NOT NULL,
  status TEXT NOT NULL DEFAULT 'enabled',
  status_changed BIGINT NOT NULL DEFAULT 0,
  status_mac BYTEA
);
CREATE TABLE signer_pins(
  name TEXT PRIMARY KEY REFERENCES signers(name),
  salt BYTEA NOT NULL,
  hash BYTEA NOT NULL,
  failures BIGINT NOT NULL DEFAULT 0,
  mac BYTEA NOT NULL
);
CREATE TABLE activation_keys(
  kid TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  owner TEXT NOT NULL,
  alg TEXT NOT NULL,
  public_spki BYTEA NOT NULL,
  created BIGINT NOT NULL,
  mac BYTEA NOT NULL,
  status TEXT NOT NULL DEFAULT 'enabled',
  status_changed BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX activation_keys_owner ON activation_keys(owner);
CREATE TABLE keys(
  handle BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id BYTEA UNIQUE NOT NULL,
  label TEXT NOT NULL,
  key_type TEXT NOT NULL,
  owner TEXT NOT NULL REFERENCES signers(name),
  scal BIGINT NOT NULL,
  policy_json TEXT NOT NULL,
  public_spki BYTEA NOT NULL,
  wrapped_private BYTEA NOT NULL,
  created BIGINT NOT NULL,
  backend TEXT NOT NULL DEFAULT 'file',
  origin TEXT NOT NULL DEFAULT 'generated',
  status TEXT NOT NULL DEFAULT 'enabled',
  status_changed BIGINT NOT NULL DEFAULT 0,
  certified BIGINT NOT NULL DEFAULT 0,
  status_mac BYTEA
);
CREATE INDEX keys_label ON keys(label, handle);
CREATE INDEX keys_owner ON keys(owner, handle);
CREATE TABLE certs(
  handle BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  key_id BYTEA NOT NULL REFERENCES keys(id),
  label TEXT NOT NULL,
  der BYTEA NOT NULL,
  subject_der BYTEA NOT NULL,
  issuer_der BYTEA NOT NULL,
  serial_der BYTEA NOT NULL,
  subject_text TEXT NOT NULL,
  not_before BIGINT NOT NULL,
  not_after BIGINT NOT NULL,
  created BIGINT NOT NULL,
  mac BYTEA
);
CREATE INDEX certs_key_id ON certs(key_id);
CREATE INDEX certs_label ON certs(label, handle);
CREATE TABLE spent_hashes(
  kid TEXT NOT NULL,
  jti TEXT NOT NULL,
  hash BYTEA NOT NULL,
  key_id BYTEA NOT NULL,
  sad_exp BIGINT NOT NULL,
  spent_at BIGINT NOT NULL,
  PRIMARY KEY(kid, jti, hash)
);
CREATE INDEX spent_hashes_sad_exp ON spent_hashes(sad_exp);
CREATE TABLE audit_log(
  node TEXT NOT NULL,
  seq BIGINT NOT NULL,
  at BIGINT NOT NULL,
  pid BIGINT NOT NULL,
  event TEXT NOT NULL,
  outcome TEXT NOT NULL,
  signer TEXT NOT NULL,
  key_id BYTEA NOT NULL,
  kid TEXT NOT NULL,
  jti TEXT NOT NULL,
  detail TEXT NOT NULL,
  chain BYTEA NOT NULL,
  mac BYTEA NOT NULL,
  PRIMARY KEY(node, seq)
);
CREATE INDEX audit_log_at ON audit_log(node, at, seq);
CREATE INDEX audit_log_signer ON audit_log(node, signer, seq);
CREATE INDEX audit_log_key_id ON audit_log(node, key_id, seq);
CREATE TABLE audit_head(
  node TEXT PRIMARY KEY,
  seq BIGINT NOT NULL,
  chain BYTEA NOT NULL,
  mac BYTEA NOT NULL
);
CREATE TABLE deposited_sads(
  kid TEXT NOT NULL,
  jti TEXT NOT NULL,
  key_id BYTEA NOT NULL,
  sad TEXT NOT NULL,
  sad_exp BIGINT NOT NULL,
  deposited_at BIGINT NOT NULL,
  PRIMARY KEY(kid, jti)
);
CREATE INDEX deposited_sads_key_id ON deposited_sads(key_id);
CREATE INDEX deposited_sads_sad_exp ON deposited_sads(sad_exp);
CREATE TABLE deposited_hashes(
  key_id BYTEA NOT NULL,
  hash BYTEA NOT NULL,
  kid TEXT NOT NULL,
  jti TEXT NOT NULL,
  PRIMARY KEY(key_id, hash, kid, jti),
  FOREIGN KEY(kid, jti) REFERENCES deposited_sads(kid, jti) ON DELETE CASCADE
);
CREATE INDEX deposited_hashes_sad ON deposited_hashes(kid, jti);
CREATE TABLE sad_requests(
  id TEXT PRIMARY KEY,
  created BIGINT NOT NULL,
  expires BIGINT NOT NULL,
  signer TEXT NOT NULL,
  key_id BYTEA NOT NULL,
  request_json TEXT NOT NULL,
  state TEXT NOT NULL,
  detail TEXT NOT NULL,
  updated BIGINT NOT NULL
);
CREATE INDEX sad_requests_state ON sad_requests(state, created);
CREATE INDEX sad_requests_expires ON sad_requests(expires);
-- MaintenanceStore::KeyStateVersion: moved by every statement that writes a row of what keys,
-- signers and certificates are read from, by any node (a trigger, so no writer can forget it).
CREATE TABLE state_version(
  id INT PRIMARY KEY CHECK (id = 1),
  version BIGINT NOT NULL
);
INSERT INTO state_version VALUES (1, 0);
CREATE FUNCTION state_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE state_version SET version = version + 1 WHERE id = 1;
  RETURN NULL;
END $$;
CREATE TRIGGER meta_version AFTER INSERT OR UPDATE OR DELETE ON meta
  FOR EACH STATEMENT EXECUTE FUNCTION state_version_bump();
CREATE TRIGGER signers_version AFTER INSERT OR UPDATE OR DELETE ON signers
  FOR EACH STATEMENT EXECUTE FUNCTION state_version_bump();
CREATE TRIGGER activation_keys_version AFTER INSERT OR UPDATE OR DELETE ON activation_keys
  FOR EACH STATEMENT EXECUTE FUNCTION state_version_bump();
CREATE TRIGGER keys_version AFTER INSERT OR UPDATE OR DELETE ON keys
  FOR EACH STATEMENT EXECUTE FUNCTION state_version_bump();
CREATE TRIGGER certs_version AFTER INSERT OR UPDATE OR DELETE ON certs
  FOR EACH STATEMENT EXECUTE FUNCTION state_version_bump();
)",
    // 2: the version moves with the rights of the schema's owner (SECURITY DEFINER), so that a
    // signing node's role needs no UPDATE on state_version (examples/postgres-roles.sql): a role
    // that could write it could set it back after an operator disabled a key, and processes
    // already warm would not read the key again. The table is named by the trigger's own schema,
    // never by a search_path the caller chose (a restore renames the schema: TG_TABLE_SCHEMA
    // follows it).
    R"(
CREATE OR REPLACE FUNCTION state_version_bump() RETURNS trigger LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  EXECUTE format('UPDATE %I.state_version SET version = version + 1 WHERE id = 1',
                 TG_TABLE_SCHEMA);
  RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION state_version_bump() FROM PUBLIC;
)",
    // 3: an authorization server's subjects enrolled as signers (state/rows.h SignerSubjectRow),
    // as state/sqlite/sqlite_schema.cc keeps them. Read at every access token's verification, not
    // cached, so no state_version trigger. And signers' one-time-password enrolments
    // (keystore/signer_otp.h), as SQLite's schema 6.
    R"(
CREATE TABLE signer_subjects(
  issuer TEXT NOT NULL,
  subject TEXT NOT NULL,
  signer TEXT NOT NULL REFERENCES signers(name),
  created BIGINT NOT NULL,
  mac BYTEA NOT NULL,
  PRIMARY KEY(issuer, subject)
);
CREATE INDEX signer_subjects_signer ON signer_subjects(signer);
CREATE TABLE signer_otp(
  name TEXT NOT NULL REFERENCES signers(name),
  kind TEXT NOT NULL,
  params TEXT NOT NULL,
  secret BYTEA NOT NULL,
  created BIGINT NOT NULL,
  last_step BIGINT NOT NULL DEFAULT 0,
  failures BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY(name, kind)
);
)",
};
static_assert(sizeof kMigrations / sizeof kMigrations[0] == kPgSchemaVersion + 1);

Result<int64_t> VersionLocked(PgConnection& connection) {
  SAMP11_ASSIGN_OR_RETURN(
      PgRows exists, connection.Exec("reading the schema version",
                                     "SELECT 1 FROM pg_tables WHERE schemaname = current_schema() "
                                     "AND tablename = 'samp11_schema'"));
  if (exists.size() == 0) return int64_t{0};
  SAMP11_ASSIGN_OR_RETURN(PgRows version, connection.Exec("reading the schema version",
                                                          "SELECT version FROM samp11_schema"));
  if (version.size() != 1) {
    return Status(Code::kTampered, "the samp11_schema table holds " +
                                       std::to_string(version.size()) + " rows, not one");
  }
  return version.Int64(0, 0);
}

}  // namespace

Result<int64_t> PgSchemaVersion(PgConnection& connection) {
  auto lock = connection.Lock();
  return VersionLocked(connection);
}

Status PgMigrate(PgConnection& connection) {
  auto lock = connection.Lock();
  SAMP11_ASSIGN_OR_RETURN(auto tx, PgTransaction::Begin(connection));
  SAMP11_RETURN_IF_ERROR(connection
                             .Exec("waiting for another node's migration",
                                   "SELECT pg_advisory_xact_lock($1)",
                                   PgParams().Int64(kMigrationLock))
                             .status());
  SAMP11_ASSIGN_OR_RETURN(int64_t version, VersionLocked(connection));
  if (version > kPgSchemaVersion) {
    return Status(Code::kConfig, "the database's schema is version " + std::to_string(version) +
                                     ", newer than this samp11's " +
                                     std::to_string(kPgSchemaVersion) + ": upgrade samp11");
  }
  if (version == kPgSchemaVersion) return Status::Ok();  // rolled back: nothing was written
  if (version == 0) {
    SAMP11_RETURN_IF_ERROR(
        connection.ExecScript("making the schema",
                              "CREATE TABLE samp11_schema(version BIGINT NOT NULL);"
                              "INSERT INTO samp11_schema VALUES (0);"));
  }
  // Each step and the new version in the one transaction: a failure leaves the old schema whole.
  for (int64_t next = version + 1; next <= kPgSchemaVersion; ++next) {
    SAMP11_RETURN_IF_ERROR(connection.ExecScript(
        "migrating the schema to version " + std::to_string(next), kMigrations[next]));
  }
  SAMP11_RETURN_IF_ERROR(connection
                             .Exec("migrating the schema", "UPDATE samp11_schema SET version = $1",
                                   PgParams().Int64(kPgSchemaVersion))
                             .status());
  return tx->Commit();
}

}  // namespace samp11
