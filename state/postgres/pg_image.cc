#include "state/postgres/pg_image.h"

#include <openssl/crypto.h>

#include <nlohmann/json.hpp>

#include <cstring>
#include <limits>
#include <string_view>

#include "state/postgres/pg_schema.h"

namespace samp11 {
namespace {

using nlohmann::json;

constexpr size_t kTableCount = sizeof kPgImageTables / sizeof kPgImageTables[0];

void Wipe(std::string& text) {
  OPENSSL_cleanse(text.data(), text.size());
  text.clear();
}

Status NotAnImage(const std::string& why) {
  return Status(Code::kArgumentsBad, "the backup's image is not a PostgreSQL state: " + why);
}

// A member that must be a non-negative integer.
Result<int64_t> Count(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_number_integer()) {
    return NotAnImage(std::string(name) + " is not an integer");
  }
  if (it->is_number_unsigned()) {
    if (it->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return NotAnImage(std::string(name) + " is out of range");
    }
    return static_cast<int64_t>(it->get<uint64_t>());
  }
  const int64_t value = it->get<int64_t>();
  if (value < 0) return NotAnImage(std::string(name) + " is negative");
  return value;
}

// The last value the identity sequence of table.handle gave, 0 if none.
Result<int64_t> LastHandle(PgConnection& c, const char* table) {
  SAMP11_ASSIGN_OR_RETURN(
      PgRows rows,
      c.Exec("reading the last handle",
             "SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence($1, 'handle')"
             "::regclass), 0)",
             PgParams().Text(table)));
  return rows.Int64(0, 0);
}

}  // namespace

PgImage::~PgImage() {
  for (std::string& table : tables) Wipe(table);
}

Result<StateImage> PgTakeImage(PgConnection& c, const std::string& node) {
  SAMP11_ASSIGN_OR_RETURN(auto tx, PgTransaction::Begin(c, "REPEATABLE READ READ ONLY"));
  // The image must not depend on a server setting: bytea always as hex text.
  SAMP11_RETURN_IF_ERROR(c.ExecScript("snapshotting", "SET LOCAL bytea_output = 'hex'"));
  SAMP11_ASSIGN_OR_RETURN(PgRows facts,
                          c.Exec("snapshotting",
                                 "SELECT (SELECT version FROM samp11_schema), "
                                 "coalesce((SELECT seq FROM audit_head WHERE node = $1), 0)",
                                 PgParams().Text(node)));
  StateImage image;
  image.schema_version = facts.Int64(0, 0);
  image.audit_last_seq = facts.Int64(0, 1);
  SAMP11_ASSIGN_OR_RETURN(int64_t keys, LastHandle(c, "keys"));
  SAMP11_ASSIGN_OR_RETURN(int64_t certs, LastHandle(c, "certs"));

  std::vector<std::string> parts;
  parts.push_back(std::string("{\"format\":\"") + kPgImageFormat +
                  "\",\"schema_version\":" + std::to_string(image.schema_version) +
                  ",\"audit_last_seq\":" + std::to_string(image.audit_last_seq) +
                  ",\"handles\":{\"keys\":" + std::to_string(keys) +
                  ",\"certs\":" + std::to_string(certs) + "},\"tables\":{");
  for (size_t i = 0; i < kTableCount; ++i) {
    const PgImageTable& table = kPgImageTables[i];
    // Table names are the constants above, never input.
    Result<PgRows> rows = c.Exec(std::string("snapshotting table ") + table.name,
                                 std::string("SELECT coalesce(json_agg(t ORDER BY ") + table.order +
                                     "), '[]'::json) FROM " + table.name + " t");
    if (!rows.ok()) {
      for (std::string& part : parts) Wipe(part);
      return rows.status();
    }
    parts.push_back(std::string(i == 0 ? "" : ",") + "\"" + table.name + "\":");
    parts.push_back(rows->Text(0, 0));
  }
  parts.push_back("}}");
  SAMP11_RETURN_IF_ERROR(tx->Commit());

  size_t size = 0;
  for (const std::string& part : parts) size += part.size();
  image.bytes = SecureBytes(size);
  size_t at = 0;
  for (std::string& part : parts) {
    std::memcpy(image.bytes.data() + at, part.data(), part.size());
    at += part.size();
    Wipe(part);
  }
  return image;
}

Result<PgImage> PgReadImage(const SecureBytes& bytes) {
  // Without exceptions: a parse error gives a discarded value.
  json document = json::parse(bytes.data(), bytes.data() + bytes.size(), nullptr,
                              /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.is_object()) return NotAnImage("not a JSON object");
  auto format = document.find("format");
  if (format == document.end() || !format->is_string() ||
      format->get_ref<const std::string&>() != kPgImageFormat) {
    return NotAnImage("no \"format\":\"" + std::string(kPgImageFormat) + "\"");
  }
  SAMP11_ASSIGN_OR_RETURN(int64_t version, Count(document, "schema_version"));
  if (version < kPgOldestSameTables || version > kPgSchemaVersion) {
    // Versions kPgOldestSameTables.. have the same tables; a later version that changes a table
    // loads older images into a schema of their version and migrates it.
    return Status(version > kPgSchemaVersion ? Code::kConfig : Code::kArgumentsBad,
                  "the backup's image is of PostgreSQL schema version " + std::to_string(version) +
                      ", this samp11 restores versions " + std::to_string(kPgOldestSameTables) +
                      " to " + std::to_string(kPgSchemaVersion));
  }
  auto handles = document.find("handles");
  if (handles == document.end() || !handles->is_object()) return NotAnImage("no handles");
  PgImage image;
  SAMP11_ASSIGN_OR_RETURN(image.last_key_handle, Count(*handles, "keys"));
  SAMP11_ASSIGN_OR_RETURN(image.last_cert_handle, Count(*handles, "certs"));
  auto tables = document.find("tables");
  size_t expected = 0;
  for (const PgImageTable& table : kPgImageTables) expected += table.since <= version ? 1 : 0;
  if (tables == document.end() || !tables->is_object() || tables->size() != expected) {
    return NotAnImage("not the tables of this schema");
  }
  for (const PgImageTable& table : kPgImageTables) {
    if (table.since > version) {  // added since the image's version: nothing of it to restore
      image.tables.push_back("[]");
      continue;
    }
    auto rows = tables->find(table.name);
    if (rows == tables->end() || !rows->is_array()) {
      return NotAnImage(std::string("no table ") + table.name);
    }
    for (const json& row : *rows) {
      if (!row.is_object()) return NotAnImage(std::string("a row of ") + table.name);
    }
    // replace: never throws (the parser accepted only valid UTF-8 anyway).
    image.tables.push_back(rows->dump(-1, ' ', false, json::error_handler_t::replace));
  }
  return image;
}

Status PgLoadImage(PgConnection& c, const PgImage& image) {
  for (size_t i = 0; i < kTableCount; ++i) {
    const std::string name = kPgImageTables[i].name;
    // OVERRIDING SYSTEM VALUE: the handles are the image's. json_populate_recordset reads each
    // column by name with its type's input (bytea's hex text included); a missing one is NULL,
    // which NOT NULL refuses.
    SAMP11_RETURN_IF_ERROR(c.Exec("loading table " + name,
                                  "INSERT INTO " + name +
                                      " OVERRIDING SYSTEM VALUE SELECT * FROM "
                                      "json_populate_recordset(NULL::" +
                                      name + ", $1::json)",
                                  PgParams().Text(image.tables[i]))
                               .status());
  }
  for (const auto& [table, last] : {std::pair<std::string, int64_t>{"keys", image.last_key_handle},
                                    {"certs", image.last_cert_handle}}) {
    SAMP11_RETURN_IF_ERROR(
        c.Exec("setting the " + table + " handles",
               "SELECT setval(pg_get_serial_sequence($1, 'handle'), v) FROM (SELECT greatest($2, "
               "(SELECT coalesce(max(handle), 0) FROM " +
                   table + ")) AS v) AS last WHERE v > 0",
               PgParams().Text(table).Int64(last))
            .status());
  }
  return Status::Ok();
}

Status PgDropSchema(PgConnection& c, const std::string& name) {
  if (!PgSchemaNameOk(name)) return Status(Code::kConfig, "'" + name + "' is not a schema name");
  SAMP11_ASSIGN_OR_RETURN(auto tx, PgTransaction::Begin(c));
  SAMP11_RETURN_IF_ERROR(c.ExecScript("dropping schema " + name,
                                      "SET LOCAL client_min_messages = warning; DROP SCHEMA IF "
                                      "EXISTS " +
                                          name + " CASCADE"));
  return tx->Commit();
}

}  // namespace samp11
