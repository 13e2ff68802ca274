#include "state/sqlite/sqlite_restore.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include <openssl/crypto.h>

#include "common/file_io.h"
#include "state/sqlite/sqlite_rows.h"
#include "state/sqlite/sqlite_util.h"

namespace samp11 {
namespace {

// SQL identifiers here come from sqlite_master of our own schema; quoted all the same.
std::string Quote(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

Result<int64_t> Changes(sqlite3* db, const std::string& sql) {
  SAMP11_RETURN_IF_ERROR(SqliteExec(db, sql.c_str()));
  return static_cast<int64_t>(sqlite3_changes(db));
}

// "a, b, c" of a table's columns in schema, by name: files migrated by ALTER TABLE and files
// created fresh list the same columns in different orders.
Result<std::string> ColumnList(sqlite3* db, const std::string& schema, const std::string& table) {
  // The table and schema names come from our own sqlite_master and the code, never from input.
  SAMP11_ASSIGN_OR_RETURN(
      std::vector<std::string> names,
      SqliteStrings(db, "SELECT name FROM pragma_table_info('" + table + "', '" + schema + "')"));
  if (names.empty()) return Status(Code::kStorage, "table " + table + " has no columns");
  std::string list;
  for (const std::string& name : names) list += (list.empty() ? "" : ", ") + Quote(name);
  return list;
}

Status CopyTable(sqlite3* db, const std::string& from, const std::string& to,
                 const std::string& table) {
  SAMP11_ASSIGN_OR_RETURN(std::string columns, ColumnList(db, to, table));
  std::string sql = "INSERT INTO " + to + "." + Quote(table) + "(" + columns + ") SELECT " +
                    columns + " FROM " + from + "." + Quote(table);
  return SqliteExec(db, sql.c_str());
}

// An empty keystore file at path with the live file's schema (tables and indexes).
Status CreateLike(sqlite3* live, const std::string& path) {
  SAMP11_ASSIGN_OR_RETURN(
      std::vector<std::string> statements,
      SqliteStrings(live,
                    "SELECT sql FROM main.sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE "
                    "'sqlite_%' ORDER BY type = 'index', rowid"));
  SAMP11_RETURN_IF_ERROR(WriteNewFile(path, nullptr, 0));
  SAMP11_ASSIGN_OR_RETURN(SqliteDbPtr aside, SqliteOpenConnection(path, SQLITE_OPEN_READWRITE));
  SAMP11_RETURN_IF_ERROR(SqliteExec(aside.get(), "PRAGMA journal_mode = WAL"));
  SAMP11_RETURN_IF_ERROR(SqliteExec(aside.get(), "BEGIN"));
  for (const std::string& sql : statements)
    SAMP11_RETURN_IF_ERROR(SqliteExec(aside.get(), sql.c_str()));
  return SqliteExec(aside.get(), "COMMIT");
}

// Key statuses changed in the live file since the backup (disabled, enabled, destroyed): the
// newer wins (on a tie within one second, the live file's: it was made from the backup's
// lineage later), a destroyed key's wrapped key is erased, and the status MAC is made under the
// restored file's key. certified stays the restored row's, consistent with its certificates.
Result<int64_t> CarryKeyStatuses(sqlite3* db, const TombstoneMacs& macs) {
  SAMP11_ASSIGN_OR_RETURN(
      SqliteStatement select,
      SqliteStatement::Prepare(
          db,
          "SELECT l.id, l.status, l.status_changed, r.certified FROM main.keys AS l JOIN "
          "restored.keys AS r ON r.id = l.id WHERE r.status != 'destroyed' AND "
          "(l.status_changed > r.status_changed OR l.status = 'destroyed' OR "
          "(l.status_changed = r.status_changed AND l.status != r.status))"));
  std::vector<KeyRow> rows;
  for (;;) {
    SAMP11_ASSIGN_OR_RETURN(bool more, select.Step());
    if (!more) break;
    KeyRow row;
    row.id = select.ColumnBlob(0);
    row.status = select.ColumnText(1);
    row.status_changed = select.ColumnInt64(2);
    row.certified = select.ColumnInt64(3) != 0;
    rows.push_back(std::move(row));
  }
  for (const KeyRow& row : rows) {
    SAMP11_ASSIGN_OR_RETURN(Bytes mac, macs.key(row));
    SAMP11_ASSIGN_OR_RETURN(
        SqliteStatement update,
        SqliteStatement::Prepare(
            db,
            "UPDATE restored.keys SET status = ?1, status_changed = ?2, status_mac = ?3, "
            "wrapped_private = CASE WHEN ?1 = 'destroyed' THEN x'' ELSE wrapped_private END "
            "WHERE id = ?4"));
    SAMP11_RETURN_IF_ERROR(update.BindText(1, row.status));
    SAMP11_RETURN_IF_ERROR(update.BindInt64(2, row.status_changed));
    SAMP11_RETURN_IF_ERROR(update.BindBlob(3, mac));
    SAMP11_RETURN_IF_ERROR(update.BindBlob(4, row.id));
    SAMP11_RETURN_IF_ERROR(update.Run());
  }
  return static_cast<int64_t>(rows.size());
}

// Signer statuses changed since the backup (disabled, enabled, removed), the newer winning; a
// removed signer's device keys and PIN go too.
Result<int64_t> CarrySignerStatuses(sqlite3* db, const TombstoneMacs& macs) {
  SAMP11_ASSIGN_OR_RETURN(
      SqliteStatement select,
      SqliteStatement::Prepare(
          db,
          "SELECT l.name, r.created, l.status, l.status_changed FROM main.signers AS l JOIN "
          "restored.signers AS r ON r.name = l.name WHERE r.status != 'removed' AND "
          "(l.status_changed > r.status_changed OR l.status = 'removed' OR "
          "(l.status_changed = r.status_changed AND l.status != r.status))"));
  std::vector<SignerRow> rows;
  for (;;) {
    SAMP11_ASSIGN_OR_RETURN(bool more, select.Step());
    if (!more) break;
    SignerRow row;
    row.name = select.ColumnText(0);
    row.created = select.ColumnInt64(1);
    row.status = select.ColumnText(2);
    row.status_changed = select.ColumnInt64(3);
    rows.push_back(std::move(row));
  }
  for (const SignerRow& row : rows) {
    SAMP11_ASSIGN_OR_RETURN(Bytes mac, macs.signer(row));
    SAMP11_ASSIGN_OR_RETURN(
        SqliteStatement update,
        SqliteStatement::Prepare(db,
                                 "UPDATE restored.signers SET status = ?1, "
                                 "status_changed = ?2, status_mac = ?3 WHERE name = ?4"));
    SAMP11_RETURN_IF_ERROR(update.BindText(1, row.status));
    SAMP11_RETURN_IF_ERROR(update.BindInt64(2, row.status_changed));
    SAMP11_RETURN_IF_ERROR(update.BindBlob(3, mac));
    SAMP11_RETURN_IF_ERROR(update.BindText(4, row.name));
    SAMP11_RETURN_IF_ERROR(update.Run());
  }
  return static_cast<int64_t>(rows.size());
}

// An activation key's status changed in the live state after the backup: the live one wins (the
// newer change, as for signers), and the restored row is MAC'd again with it.
Result<int64_t> CarryActivationKeyStatuses(sqlite3* db, const TombstoneMacs& macs) {
  SAMP11_ASSIGN_OR_RETURN(SqliteStatement select,
                          SqliteStatement::Prepare(
                              db, std::string("SELECT ") +
                                      "r.kid, r.role, r.owner, r.alg, r.public_spki, r.created, "
                                      "r.mac, l.status, l.status_changed FROM main.activation_keys "
                                      "AS l JOIN restored.activation_keys AS r ON r.kid = l.kid "
                                      "WHERE l.status_changed > r.status_changed OR "
                                      "(l.status_changed = r.status_changed AND "
                                      "l.status != r.status)"));
  std::vector<ActivationKeyRow> rows;
  for (;;) {
    SAMP11_ASSIGN_OR_RETURN(bool more, select.Step());
    if (!more) break;
    rows.push_back(ReadActivationKeyRow(select));
  }
  for (ActivationKeyRow& row : rows) {
    SAMP11_ASSIGN_OR_RETURN(row.mac, macs.activation_key(row));
    SAMP11_ASSIGN_OR_RETURN(
        SqliteStatement update,
        SqliteStatement::Prepare(db,
                                 "UPDATE restored.activation_keys SET status = ?1, "
                                 "status_changed = ?2, mac = ?3 WHERE kid = ?4"));
    SAMP11_RETURN_IF_ERROR(update.BindText(1, row.status));
    SAMP11_RETURN_IF_ERROR(update.BindInt64(2, row.status_changed));
    SAMP11_RETURN_IF_ERROR(update.BindBlob(3, row.mac));
    SAMP11_RETURN_IF_ERROR(update.BindText(4, row.kid));
    SAMP11_RETURN_IF_ERROR(update.Run());
  }
  return static_cast<int64_t>(rows.size());
}

}  // namespace

Result<ReplaceCounts> ReplaceDatabaseContents(const std::string& live_path,
                                              const std::string& restored_path,
                                              const std::string& aside_path,
                                              const TombstoneMacs& macs) {
  SAMP11_ASSIGN_OR_RETURN(SqliteDbPtr live, SqliteOpenConnection(live_path, SQLITE_OPEN_READWRITE));
  sqlite3* db = live.get();
  SAMP11_RETURN_IF_ERROR(SqliteExec(db, "PRAGMA secure_delete = ON"));
  SAMP11_RETURN_IF_ERROR(SqliteExec(db, "PRAGMA synchronous = FULL"));
  SAMP11_RETURN_IF_ERROR(CreateLike(db, aside_path));
  {
    SAMP11_ASSIGN_OR_RETURN(SqliteStatement attach,
                            SqliteStatement::Prepare(db, "ATTACH ?1 AS restored"));
    SAMP11_RETURN_IF_ERROR(attach.BindText(1, restored_path));
    SAMP11_RETURN_IF_ERROR(attach.Run());
    SAMP11_ASSIGN_OR_RETURN(SqliteStatement attach2,
                            SqliteStatement::Prepare(db, "ATTACH ?1 AS aside"));
    SAMP11_RETURN_IF_ERROR(attach2.BindText(1, aside_path));
    SAMP11_RETURN_IF_ERROR(attach2.Run());
  }
  SAMP11_ASSIGN_OR_RETURN(
      std::vector<std::string> tables,
      SqliteStrings(db,
                    "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE "
                    "'sqlite_%' ORDER BY rowid"));
  ReplaceCounts counts;
  {
    SAMP11_ASSIGN_OR_RETURN(auto tx, SqliteWriteTransaction::Begin(db));
    SAMP11_ASSIGN_OR_RETURN(
        std::vector<std::string> versions,
        SqliteStrings(db,
                      "SELECT value FROM main.meta WHERE name = 'schema_version' UNION ALL "
                      "SELECT value FROM restored.meta WHERE name = 'schema_version'"));
    if (versions.size() != 2 || versions[0] != versions[1]) {
      return Status(Code::kStorage, "the restored file and the live one differ in schema version");
    }
    for (const std::string& table : tables)
      SAMP11_RETURN_IF_ERROR(CopyTable(db, "main", "aside", table));

    SAMP11_ASSIGN_OR_RETURN(counts.spent_hashes_merged,
                            Changes(db,
                                    "INSERT OR IGNORE INTO restored.spent_hashes(kid, jti, "
                                    "hash, key_id, sad_exp, spent_at) SELECT kid, jti, hash, "
                                    "key_id, sad_exp, spent_at FROM main.spent_hashes"));
    SAMP11_ASSIGN_OR_RETURN(counts.key_statuses, CarryKeyStatuses(db, macs));
    SAMP11_ASSIGN_OR_RETURN(counts.signer_statuses, CarrySignerStatuses(db, macs));
    // A revocation made since the backup stands: an activation key the live state no longer has
    // was removed (no live state ever loses one otherwise), so the backup's copy goes too.
    SAMP11_ASSIGN_OR_RETURN(
        counts.activation_keys_removed,
        Changes(db,
                "DELETE FROM restored.activation_keys WHERE kid NOT IN (SELECT kid FROM "
                "main.activation_keys)"));
    SAMP11_ASSIGN_OR_RETURN(counts.activation_key_statuses, CarryActivationKeyStatuses(db, macs));
    SAMP11_RETURN_IF_ERROR(
        SqliteExec(db,
                   "DELETE FROM restored.activation_keys WHERE owner IN (SELECT name FROM "
                   "restored.signers WHERE status = 'removed') AND role = 'device'"));
    SAMP11_RETURN_IF_ERROR(SqliteExec(
        db,
        "DELETE FROM restored.signer_pins WHERE name IN (SELECT name FROM restored.signers "
        "WHERE status = 'removed')"));
    SAMP11_RETURN_IF_ERROR(
        SqliteExec(db,
                   "DELETE FROM restored.signer_subjects WHERE signer IN (SELECT name FROM "
                   "restored.signers WHERE status = 'removed')"));
    SAMP11_RETURN_IF_ERROR(SqliteExec(
        db,
        "DELETE FROM restored.signer_otp WHERE name IN (SELECT name FROM restored.signers "
        "WHERE status = 'removed')"));

    // Children before parents on delete, parents first on insert.
    for (auto it = tables.rbegin(); it != tables.rend(); ++it) {
      SAMP11_RETURN_IF_ERROR(SqliteExec(db, ("DELETE FROM main." + Quote(*it)).c_str()));
    }
    for (const std::string& table : tables) {
      if (table == "deposited_sads" || table == "deposited_hashes" || table == "sad_requests") {
        continue;  // transient: neither deposits nor pending requests come back
      }
      SAMP11_RETURN_IF_ERROR(CopyTable(db, "restored", "main", table));
    }
    SAMP11_RETURN_IF_ERROR(tx->Commit());
  }
  SAMP11_RETURN_IF_ERROR(SqliteExec(db, "DETACH restored"));
  SAMP11_RETURN_IF_ERROR(SqliteExec(db, "DETACH aside"));
  // The rows the restore replaced were zeroed in place (secure_delete); fold the WAL back.
  (void)SqliteExec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
  return counts;
}

}  // namespace samp11
