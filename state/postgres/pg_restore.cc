// A restore on the PostgreSQL state (StateLocation's contract, state/state_location.h): the
// image staged as a schema of its own beside the live one (<live>_stage), then either made the
// live one by renaming schemas, the live contents kept as <live>_aside_<tag>, or dropped.
//
// Renaming is what makes every node see the restore at once: each connection's search_path is
// the live schema's NAME, resolved again at every statement, so after the commit each next
// statement reads the restored tables; a writer that waited on the lock taken below looks the
// name up again once it has the lock, and writes into the restored state, never into the aside.
#include <string>
#include <utility>
#include <vector>

#include "state/postgres/pg_image.h"
#include "state/postgres/pg_location.h"
#include "state/postgres/pg_schema.h"

namespace samp11 {
namespace {

// A tag (a UTC time such as 20240101T120000Z) as part of a schema name: lower case, and '_' for
// anything but letters and digits.
std::string SchemaTag(const std::string& tag) {
  std::string out;
  for (char c : tag) {
    if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      out += (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ? c : '_';
    }
  }
  return out;
}

Status NameFits(const std::string& name) {
  if (PgSchemaNameOk(name)) return Status::Ok();
  return Status(Code::kConfig, "a restore needs schema " + name +
                                   ", which is not a schema name (at most 63 characters): "
                                   "shorten the live schema's name");
}

// The live side of a key or signer status carried into the stage (live: the live schema's name,
// checked by PgSchemaNameOk). The rule of sqlite_restore.cc: nothing comes back from the final
// status; otherwise the live status wins if it is final, newer, or as new and different.
Result<int64_t> CarryKeyStatuses(PgConnection& c, const std::string& live,
                                 const TombstoneMacs& macs) {
  SAMP11_ASSIGN_OR_RETURN(
      PgRows rows,
      c.Exec("reading key statuses changed since the backup",
             "SELECT l.id, l.status, l.status_changed, r.certified FROM " + live +
                 ".keys AS l JOIN keys AS r ON r.id = l.id WHERE r.status <> 'destroyed' AND "
                 "(l.status_changed > r.status_changed OR l.status = 'destroyed' OR "
                 "(l.status_changed = r.status_changed AND l.status <> r.status))"));
  for (int i = 0; i < rows.size(); ++i) {
    KeyRow row;
    row.id = rows.Blob(i, 0);
    row.status = rows.Text(i, 1);
    row.status_changed = rows.Int64(i, 2);
    row.certified = rows.Int64(i, 3) != 0;  // the restored row's, consistent with its certs
    SAMP11_ASSIGN_OR_RETURN(Bytes mac, macs.key(row));
    SAMP11_RETURN_IF_ERROR(
        c.Exec("carrying a key status",
               "UPDATE keys SET status = $1::text, status_changed = $2, status_mac = $3, "
               "wrapped_private = CASE WHEN $1::text = 'destroyed' THEN ''::bytea ELSE "
               "wrapped_private END WHERE id = $4",
               PgParams().Text(row.status).Int64(row.status_changed).Blob(mac).Blob(row.id))
            .status());
  }
  return static_cast<int64_t>(rows.size());
}

Result<int64_t> CarrySignerStatuses(PgConnection& c, const std::string& live,
                                    const TombstoneMacs& macs) {
  SAMP11_ASSIGN_OR_RETURN(
      PgRows rows,
      c.Exec("reading signer statuses changed since the backup",
             "SELECT l.name, r.created, l.status, l.status_changed FROM " + live +
                 ".signers AS l JOIN signers AS r ON r.name = l.name WHERE r.status <> "
                 "'removed' AND (l.status_changed > r.status_changed OR l.status = 'removed' OR "
                 "(l.status_changed = r.status_changed AND l.status <> r.status))"));
  for (int i = 0; i < rows.size(); ++i) {
    SignerRow row;
    row.name = rows.Text(i, 0);
    row.created = rows.Int64(i, 1);
    row.status = rows.Text(i, 2);
    row.status_changed = rows.Int64(i, 3);
    SAMP11_ASSIGN_OR_RETURN(Bytes mac, macs.signer(row));
    SAMP11_RETURN_IF_ERROR(
        c.Exec("carrying a signer status",
               "UPDATE signers SET status = $1, status_changed = $2, "
               "status_mac = $3 WHERE name = $4",
               PgParams().Text(row.status).Int64(row.status_changed).Blob(mac).Text(row.name))
            .status());
  }
  return static_cast<int64_t>(rows.size());
}

// An activation key's status changed in the live state since the backup (an issuer disabled or
// enabled): the newer wins, and the restored row is MAC'd again with it.
Result<int64_t> CarryActivationKeyStatuses(PgConnection& c, const std::string& live,
                                           const TombstoneMacs& macs) {
  SAMP11_ASSIGN_OR_RETURN(
      PgRows rows,
      c.Exec("reading activation key statuses changed since the backup",
             "SELECT r.kid, r.role, r.owner, r.alg, r.public_spki, r.created, l.status, "
             "l.status_changed FROM " +
                 live +
                 ".activation_keys AS l JOIN activation_keys AS r ON r.kid = l.kid WHERE "
                 "l.status_changed > r.status_changed OR (l.status_changed = r.status_changed "
                 "AND l.status <> r.status)"));
  for (int i = 0; i < rows.size(); ++i) {
    ActivationKeyRow row;
    row.kid = rows.Text(i, 0);
    row.role = rows.Text(i, 1);
    row.owner = rows.Text(i, 2);
    row.alg = rows.Text(i, 3);
    row.public_spki = rows.Blob(i, 4);
    row.created = rows.Int64(i, 5);
    row.status = rows.Text(i, 6);
    row.status_changed = rows.Int64(i, 7);
    SAMP11_ASSIGN_OR_RETURN(row.mac, macs.activation_key(row));
    SAMP11_RETURN_IF_ERROR(
        c.Exec("carrying an activation key status",
               "UPDATE activation_keys SET status = $1, status_changed = $2, "
               "mac = $3 WHERE kid = $4",
               PgParams().Text(row.status).Int64(row.status_changed).Blob(row.mac).Text(row.kid))
            .status());
  }
  return static_cast<int64_t>(rows.size());
}

Result<int64_t> Changed(PgConnection& c, const std::string& context, const std::string& sql) {
  SAMP11_ASSIGN_OR_RETURN(PgRows rows, c.Exec(context, sql));
  return rows.affected();
}

// Everything ReplaceLive carries from the live schema into the stage (the connection's schema),
// the live tables locked against writers until the caller's transaction ends.
Result<ReplaceCounts> CarryIntoStage(PgConnection& c, const std::string& live,
                                     const TombstoneMacs& macs) {
  // EXCLUSIVE: every node's writes wait (none is lost: what was committed before is carried,
  // what waits is written into the restored state after the renames), reads go on.
  std::string tables;
  for (const PgImageTable& table : kPgImageTables) {
    tables += (tables.empty() ? "" : ", ") + live + "." + table.name;
  }
  SAMP11_RETURN_IF_ERROR(
      c.ExecScript("locking the live state",
                   "LOCK TABLE " + tables + ", " + live + ".state_version IN EXCLUSIVE MODE"));
  SAMP11_ASSIGN_OR_RETURN(PgRows versions, c.Exec("comparing schema versions",
                                                  "SELECT (SELECT version FROM " + live +
                                                      ".samp11_schema) = (SELECT version FROM "
                                                      "samp11_schema)"));
  if (versions.Text(0, 0) != "t") {
    return Status(Code::kStorage, "the restored state and the live one differ in schema version");
  }
  ReplaceCounts counts;
  SAMP11_ASSIGN_OR_RETURN(
      counts.spent_hashes_merged,
      Changed(c, "carrying spent hashes",
              "INSERT INTO spent_hashes(kid, jti, hash, key_id, sad_exp, spent_at) SELECT kid, "
              "jti, hash, key_id, sad_exp, spent_at FROM " +
                  live + ".spent_hashes ON CONFLICT DO NOTHING"));
  SAMP11_ASSIGN_OR_RETURN(counts.key_statuses, CarryKeyStatuses(c, live, macs));
  SAMP11_ASSIGN_OR_RETURN(counts.signer_statuses, CarrySignerStatuses(c, live, macs));
  // A revocation made since the backup stands: an activation key the live state no longer has
  // was removed (a live state loses one no other way).
  SAMP11_ASSIGN_OR_RETURN(
      counts.activation_keys_removed,
      Changed(c, "carrying activation key removals",
              "DELETE FROM activation_keys AS r WHERE NOT EXISTS (SELECT 1 FROM " + live +
                  ".activation_keys AS l WHERE l.kid = r.kid)"));
  SAMP11_ASSIGN_OR_RETURN(counts.activation_key_statuses,
                          CarryActivationKeyStatuses(c, live, macs));
  // A removed signer's device keys, PIN and subjects go, whichever state removed it; deposits and
  // pending requests are transient: neither the backup's nor the live ones come back.
  SAMP11_RETURN_IF_ERROR(c.ExecScript(
      "dropping what a restore does not bring back",
      "DELETE FROM activation_keys WHERE role = 'device' AND owner IN (SELECT name FROM signers "
      "WHERE status = 'removed');"
      "DELETE FROM signer_pins WHERE name IN (SELECT name FROM signers WHERE status = "
      "'removed');"
      "DELETE FROM signer_subjects WHERE signer IN (SELECT name FROM signers WHERE status = "
      "'removed');"
      "DELETE FROM signer_otp WHERE name IN (SELECT name FROM signers WHERE status = "
      "'removed');"
      "DELETE FROM deposited_hashes; DELETE FROM deposited_sads; DELETE FROM sad_requests;"));
  // Handles the live state gave are never given again: each identity goes on from the highest
  // the live state, the backup or a row reached.
  for (const char* table : {"keys", "certs"}) {
    SAMP11_RETURN_IF_ERROR(
        c.Exec(std::string("carrying the ") + table + " handles",
               "SELECT setval(pg_get_serial_sequence($1, 'handle'), v) FROM (SELECT greatest("
               "coalesce(pg_sequence_last_value(pg_get_serial_sequence($2, 'handle')::regclass), "
               "0), coalesce(pg_sequence_last_value(pg_get_serial_sequence($1, 'handle')"
               "::regclass), 0), (SELECT coalesce(max(handle), 0) FROM " +
                   std::string(table) + ")) AS v) AS last WHERE v > 0",
               PgParams().Text(table).Text(live + "." + table))
            .status());
  }
  // Last, after every trigger above: past the live version, so that every store on the live
  // state sees its version move.
  SAMP11_RETURN_IF_ERROR(c.Exec("moving the state version",
                                "UPDATE state_version SET version = greatest(version, (SELECT "
                                "version FROM " +
                                    live + ".state_version)) + 1")
                             .status());
  return counts;
}

}  // namespace

Result<std::unique_ptr<StateStore>> PgLocation::Stage(const SecureBytes& image) {
  // Checked before anything is touched: bytes that are not an image leave no schema behind.
  SAMP11_ASSIGN_OR_RETURN(PgImage parsed, PgReadImage(image));
  return StageImage(parsed);
}

Result<std::unique_ptr<StateStore>> PgLocation::StageImage(const PgImage& parsed) {
  const std::string stage = config_.options.schema + "_stage";
  SAMP11_RETURN_IF_ERROR(NameFits(stage));
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> connection, ConnectTo(stage));
  {
    auto lock = connection->Lock();
    // A left-over stage (an interrupted restore) is ours, never live: it goes.
    SAMP11_RETURN_IF_ERROR(PgDropSchema(*connection, stage));
    SAMP11_RETURN_IF_ERROR(
        connection->ExecScript("making the stage", "CREATE SCHEMA " + stage));  // NameFits
  }
  Status loaded = PgMigrate(*connection);
  if (loaded.ok()) {
    auto lock = connection->Lock();
    loaded = [&]() -> Status {
      SAMP11_ASSIGN_OR_RETURN(auto tx, PgTransaction::Begin(*connection));
      SAMP11_RETURN_IF_ERROR(PgLoadImage(*connection, parsed));
      return tx->Commit();
    }();
    if (!loaded.ok()) (void)PgDropSchema(*connection, stage);
  } else {
    auto lock = connection->Lock();
    (void)PgDropSchema(*connection, stage);
  }
  SAMP11_RETURN_IF_ERROR(loaded);
  return NewPgStateStore(std::move(connection), config_.node);
}

Result<ReplaceCounts> PgLocation::ReplaceLive(const std::string& aside_tag,
                                              const TombstoneMacs& macs, std::string* aside) {
  aside->clear();
  const std::string& live = config_.options.schema;
  const std::string stage = live + "_stage";
  const std::string aside_name = live + "_aside_" + SchemaTag(aside_tag);
  SAMP11_RETURN_IF_ERROR(NameFits(stage));
  SAMP11_RETURN_IF_ERROR(NameFits(aside_name));
  if (!PgSchemaNameOk(live)) return Status(Code::kConfig, "'" + live + "' is not a schema name");
  // The stage's own search_path: its tables are the unqualified ones below, and its triggers
  // move its own state_version.
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> connection, ConnectTo(stage));
  SAMP11_ASSIGN_OR_RETURN(bool staged, SchemaExists(*connection, stage));
  if (!staged) return Status(Code::kNotFound, "no restore is staged beside " + name_);
  auto lock = connection->Lock();
  SAMP11_ASSIGN_OR_RETURN(auto tx, PgTransaction::Begin(*connection));
  SAMP11_ASSIGN_OR_RETURN(ReplaceCounts counts, CarryIntoStage(*connection, live, macs));
  // Last in the transaction: the stage's name is the connection's search_path until here.
  SAMP11_RETURN_IF_ERROR(connection->ExecScript(
      "putting the restored state in place", "ALTER SCHEMA " + live + " RENAME TO " + aside_name +
                                                 "; ALTER SCHEMA " + stage + " RENAME TO " + live));
  SAMP11_RETURN_IF_ERROR(tx->Commit());
  *aside = aside_name;
  return counts;
}

Status PgLocation::PromoteStaged(const std::string& aside_tag, std::string* aside) {
  aside->clear();
  const std::string& live = config_.options.schema;
  const std::string stage = live + "_stage";
  const std::string aside_name = live + "_aside_" + SchemaTag(aside_tag);
  SAMP11_RETURN_IF_ERROR(NameFits(stage));
  SAMP11_RETURN_IF_ERROR(NameFits(aside_name));
  if (!PgSchemaNameOk(live)) return Status(Code::kConfig, "'" + live + "' is not a schema name");
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> connection, ConnectTo(stage));
  SAMP11_ASSIGN_OR_RETURN(bool staged, SchemaExists(*connection, stage));
  if (!staged) return Status(Code::kNotFound, "no restore is staged beside " + name_);
  auto lock = connection->Lock();
  SAMP11_ASSIGN_OR_RETURN(auto tx, PgTransaction::Begin(*connection));
  SAMP11_ASSIGN_OR_RETURN(PgRows there, connection->Exec("looking for the live schema",
                                                         "SELECT 1 FROM pg_namespace WHERE "
                                                         "nspname = $1",
                                                         PgParams().Text(live)));
  const bool live_there = there.size() > 0;
  if (live_there) {
    // Whatever is there, even unreadable, is kept aside, never dropped. Its version, if it can
    // be read, is passed, so that stores still open on it see theirs move.
    int64_t live_version = 0;
    SAMP11_RETURN_IF_ERROR(connection->ExecScript("reading the live version", "SAVEPOINT live"));
    Result<PgRows> version = connection->Exec(
        "reading the live version", "SELECT version FROM " + live + ".state_version WHERE id = 1");
    if (version.ok() && version->size() == 1) {
      live_version = version->Int64(0, 0);
      SAMP11_RETURN_IF_ERROR(
          connection->ExecScript("reading the live version", "RELEASE SAVEPOINT live"));
    } else {
      SAMP11_RETURN_IF_ERROR(
          connection->ExecScript("reading the live version", "ROLLBACK TO SAVEPOINT live"));
    }
    SAMP11_RETURN_IF_ERROR(connection
                               ->Exec("moving the state version",
                                      "UPDATE state_version SET version = greatest(version, $1) "
                                      "+ 1",
                                      PgParams().Int64(live_version))
                               .status());
    SAMP11_RETURN_IF_ERROR(connection->ExecScript(
        "moving the live state aside", "ALTER SCHEMA " + live + " RENAME TO " + aside_name));
  }
  SAMP11_RETURN_IF_ERROR(connection->ExecScript("putting the restored state in place",
                                                "ALTER SCHEMA " + stage + " RENAME TO " + live));
  SAMP11_RETURN_IF_ERROR(tx->Commit());
  if (live_there) *aside = aside_name;
  return Status::Ok();
}

void PgLocation::DiscardStaged() {
  const std::string stage = config_.options.schema + "_stage";
  if (!PgSchemaNameOk(stage)) return;  // never made
  Result<std::unique_ptr<PgConnection>> connection = ConnectTo(stage);
  if (!connection.ok()) return;
  auto lock = (*connection)->Lock();
  (void)PgDropSchema(**connection, stage);
}

}  // namespace samp11
