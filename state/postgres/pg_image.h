// The image of a PostgreSQL state: what MaintenanceStore::Snapshot takes (pg_maintenance.cc) and
// PgLocation::Stage loads back (pg_restore.cc).
//
// Format: one JSON object, UTF-8, in this member order:
//   {"format":"samp11-postgres-state", "schema_version":N, "audit_last_seq":S,
//    "handles":{"keys":K,"certs":C}, "tables":{"meta":[...], "signers":[...], ...}}
// "tables" holds every table of kPgImageTables, each an array of its rows as PostgreSQL's
// row_to_json makes them (column name -> value; BIGINT as a JSON integer, BYTEA as its hex text
// "\\x..", NULL as null). "handles" are the last key and certificate handles the state gave, so
// that a restored state never gives one twice even if the row that had it is gone.
// audit_last_seq is the snapshotting node's head seq, for the backup's header only.
// Not in it: samp11_schema (that is schema_version) and state_version (a count of writes of one
// schema, not of its contents: a loaded image starts its own).
//
// JSON rather than pg_dump's format: no server binary is needed on the node, the rows go through
// the same code both ways, and a restore can check the image before it touches the database.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "state/maintenance_store.h"
#include "state/postgres/pg_connection.h"

namespace samp11 {

inline constexpr char kPgImageFormat[] = "samp11-postgres-state";

struct PgImageTable {
  const char* name;
  const char* order;  // its primary key: images of the same rows are the same bytes
  // The schema version that added it: an image of an older version has no such table, and
  // restores it empty (it did not exist then, so nothing of it can be lost).
  int64_t since = 1;
};

// Parents before children, so that loading in this order never breaks a foreign key.
inline constexpr PgImageTable kPgImageTables[] = {
    {"meta", "name"},
    {"signers", "name"},
    {"signer_pins", "name"},
    {"signer_otp", "name, kind", 3},
    {"activation_keys", "kid"},
    {"keys", "handle"},
    {"certs", "handle"},
    {"spent_hashes", "kid, jti, hash"},
    {"audit_log", "node, seq"},
    {"audit_head", "node"},
    {"deposited_sads", "kid, jti"},
    {"deposited_hashes", "key_id, hash, kid, jti"},
    {"sad_requests", "id"},
    {"signer_subjects", "issuer, subject", 3},
};

// An image read and checked, its tables as JSON texts ready to load. Wiped when it goes: the
// rows hold wrapped keys and PIN hashes.
struct PgImage {
  PgImage() = default;
  PgImage(const PgImage&) = delete;
  PgImage& operator=(const PgImage&) = delete;
  PgImage(PgImage&&) = default;
  PgImage& operator=(PgImage&&) = default;
  ~PgImage();

  int64_t last_key_handle = 0;
  int64_t last_cert_handle = 0;
  std::vector<std::string> tables;  // in kPgImageTables' order
};

// The image of the connection's schema at one instant: one REPEATABLE READ transaction, so other
// users go on writing meanwhile. node: whose head seq is audit_last_seq. Lock held.
Result<StateImage> PgTakeImage(PgConnection& c, const std::string& node);
// kArgumentsBad for bytes that are not such an image, kConfig for an image of another schema
// version. Touches no database.
Result<PgImage> PgReadImage(const SecureBytes& bytes);
// Inserts the image's rows into the connection's (empty, migrated) schema, handles kept, and sets
// the identity sequences past them; in the caller's transaction. Lock held.
Status PgLoadImage(PgConnection& c, const PgImage& image);

// DROP SCHEMA IF EXISTS name CASCADE, without the notices PostgreSQL sends about it (libpq would
// print them on stderr). Lock held, no transaction open.
Status PgDropSchema(PgConnection& c, const std::string& name);

}  // namespace samp11
