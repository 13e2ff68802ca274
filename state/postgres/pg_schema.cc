#include "state/postgres/pg_schema.h"

#include <string>

namespace samp11 {
namespace {

// Any fixed number: the key of the advisory lock that makes nodes migrate one at a time.
constexpr int64_t kMigrationLock = 0x73616d703131;  // "samp11"

// Migration n takes the schema from version n - 1 to n.
constexpr const char* kMigrations[] = {
    nullptr,
    // 1: the replay ledger (state/replay_store.h). (kid, jti, hash) is unique: the primary key is
    // what lets exactly one node win a spend.
    R"(
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
