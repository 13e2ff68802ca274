// Signers' PINs: the signer_pins table.
#include <string>

#include "state/postgres/pg_rows.h"
#include "state/postgres/pg_stores.h"

namespace samp11 {

Status PgPinStore::UpsertSignerPin(const SignerPinRow& row) {
  auto lock = c_.Lock();
  // A new PIN starts with no failures: setting it is also how an operator unlocks a signer.
  Result<PgRows> set =
      c_.Exec("setting a PIN",
              "INSERT INTO signer_pins(name, salt, hash, failures, mac) VALUES($1, $2, $3, 0, $4) "
              "ON CONFLICT(name) DO UPDATE SET salt = excluded.salt, hash = excluded.hash, "
              "failures = 0, mac = excluded.mac",
              PgParams().Text(row.name).Blob(row.salt).Blob(row.hash).Blob(row.mac));
  // Only the foreign key to signers refuses it (kNotFound): a taken name is an update.
  if (set.status().code() == Code::kNotFound) {
    return Status(Code::kNotFound, "no signer '" + row.name + "'");
  }
  return set.status();
}

Result<std::optional<SignerPinRow>> PgPinStore::FindSignerPin(std::string_view name) {
  auto lock = c_.Lock();
  SAMP11_ASSIGN_OR_RETURN(PgRows rows, c_.Exec("reading a PIN",
                                               std::string("SELECT ") + kPgPinColumns +
                                                   " FROM signer_pins WHERE name = $1",
                                               PgParams().Text(name)));
  return PgReadOne(rows, PgReadPinRow);
}

Result<std::vector<SignerPinRow>> PgPinStore::ListSignerPins() {
  auto lock = c_.Lock();
  // COLLATE "C": by bytes, as SQLite orders text, whatever the database's locale.
  SAMP11_ASSIGN_OR_RETURN(PgRows rows,
                          c_.Exec("listing PINs", std::string("SELECT ") + kPgPinColumns +
                                                      " FROM signer_pins ORDER BY "
                                                      "name COLLATE \"C\""));
  return PgReadAll(rows, PgReadPinRow);
}

Result<bool> PgPinStore::TakePinTry(std::string_view name, int64_t max_tries) {
  auto lock = c_.Lock();
  // One statement tests and takes the try, committed on its own: two checks racing (threads,
  // processes or nodes) cannot both take the last one, since the second waits for the first's
  // row and tests failures again on what it wrote (READ COMMITTED's re-check of an updated row).
  SAMP11_ASSIGN_OR_RETURN(PgRows taken, c_.Exec("taking a PIN try",
                                                "UPDATE signer_pins SET failures = failures + 1 "
                                                "WHERE name = $1 AND failures < $2",
                                                PgParams().Text(name).Int64(max_tries)));
  return taken.affected() == 1;
}

Status PgPinStore::ResetPinFailures(std::string_view name) {
  auto lock = c_.Lock();
  return c_
      .Exec("resetting PIN failures", "UPDATE signer_pins SET failures = 0 WHERE name = $1",
            PgParams().Text(name))
      .status();
}

}  // namespace samp11
