#include <string>

#include "state/postgres/pg_rows.h"
#include "state/postgres/pg_stores.h"

namespace samp11 {

Result<std::optional<std::string>> PgMetaStore::GetMeta(std::string_view name) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(
      PgRows rows,
      c_.Exec("reading meta", "SELECT value FROM meta WHERE name = $1", PgParams().Text(name)));
  if (rows.size() == 0) return std::optional<std::string>();
  return std::optional<std::string>(rows.Text(0, 0));
}

Status PgMetaStore::InsertMeta(std::string_view name, std::string_view value) {
  auto lock = c_.Lock();
  // One statement: it inserts or fails whole, no transaction needed.
  Result<PgRows> inserted = c_.Exec("writing meta", "INSERT INTO meta(name, value) VALUES($1, $2)",
                                    PgParams().Text(name).Text(value));
  if (!inserted.ok()) {
    return PgRefused(inserted.status(), "meta '" + std::string(name) + "' is already set");
  }
  return Status::Ok();
}

Status PgMetaStore::SetMeta(std::string_view name, std::string_view value) {
  auto lock = c_.Lock();
  return c_
      .Exec("writing meta",
            "INSERT INTO meta(name, value) VALUES($1, $2) ON CONFLICT(name) DO UPDATE SET value = "
            "excluded.value",
            PgParams().Text(name).Text(value))
      .status();
}

}  // namespace samp11
