// Each table's columns and the one reader of each row kind: every query of a table selects
// these columns in this order, so a row is read the same way everywhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/status.h"
#include "state/rows.h"
#include "state/sqlite/sqlite_util.h"

namespace samp11 {

extern const char kKeyColumns[];
extern const char kSignerColumns[];
extern const char kActivationKeyColumns[];
extern const char kCertColumns[];
extern const char kPinColumns[];
extern const char kSubjectColumns[];
extern const char kOtpColumns[];
extern const char kSadRequestColumns[];
extern const char kAuditColumns[];

// Columns from 0, as the lists above name them.
KeyRow ReadKeyRow(SqliteStatement& stmt);
SignerRow ReadSignerRow(SqliteStatement& stmt);
ActivationKeyRow ReadActivationKeyRow(SqliteStatement& stmt);
CertRow ReadCertRow(SqliteStatement& stmt);
SignerPinRow ReadPinRow(SqliteStatement& stmt);
SignerSubjectRow ReadSubjectRow(SqliteStatement& stmt);
SignerOtpRow ReadOtpRow(SqliteStatement& stmt);
SadRequestRow ReadSadRequestRow(SqliteStatement& stmt);
AuditRow ReadAuditRow(SqliteStatement& stmt);

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

// SQLite's LIMIT is a signed 64-bit integer; a size_t beyond it means "no limit" anyway.
int64_t LimitParam(size_t limit);

}  // namespace samp11
