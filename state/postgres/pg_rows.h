// The columns of the tables keys, signers, activation_keys, certs, signer_pins and
// signer_subjects, and the one
// reader of each row kind (the shape of state/sqlite/sqlite_rows.h): every query of a table
// selects these columns in this order, so a row is read the same way everywhere. Also what the
// stores share about writing: the refusal messages and LIMIT.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "state/postgres/pg_connection.h"
#include "state/rows.h"

namespace samp11 {

// Pg-prefixed: unit_postgres links the SQLite state too, whose lists have the plain names.
extern const char kPgKeyColumns[];
extern const char kPgSignerColumns[];
extern const char kPgActivationKeyColumns[];
extern const char kPgCertColumns[];
extern const char kPgPinColumns[];
extern const char kPgSubjectColumns[];
extern const char kPgOtpColumns[];
// audit_log's columns after node (a store reads its node's rows: the node is not in AuditRow).
extern const char kPgAuditColumns[];
// How many columns kPgAuditColumns names.
constexpr int kPgAuditColumnCount = 12;

// Row r, columns from 0, as the lists above name them. A NULL blob (status_mac, a certificate's
// mac) reads as empty, as SQLite's does.
KeyRow PgReadKeyRow(const PgRows& rows, int r);
SignerRow PgReadSignerRow(const PgRows& rows, int r);
ActivationKeyRow PgReadActivationKeyRow(const PgRows& rows, int r);
CertRow PgReadCertRow(const PgRows& rows, int r);
SignerPinRow PgReadPinRow(const PgRows& rows, int r);
SignerSubjectRow PgReadSubjectRow(const PgRows& rows, int r);
SignerOtpRow PgReadOtpRow(const PgRows& rows, int r);
AuditRow PgReadAuditRow(const PgRows& rows, int r);

template <typename Row>
std::vector<Row> PgReadAll(const PgRows& rows, Row (*read)(const PgRows&, int)) {
  std::vector<Row> out;
  out.reserve(static_cast<size_t>(rows.size()));
  for (int r = 0; r < rows.size(); ++r) out.push_back(read(rows, r));
  return out;
}

template <typename Row>
std::optional<Row> PgReadOne(const PgRows& rows, Row (*read)(const PgRows&, int)) {
  if (rows.size() == 0) return std::nullopt;
  return read(rows, 0);
}

// LIMIT takes a BIGINT; a size_t beyond it means "no limit" anyway.
int64_t PgLimit(size_t limit);

// A failed write with the SQLite store's message: PostgreSQL's names the constraint, these name
// the row. kAlreadyExists gets exists_message, kNotFound (a missing parent row)
// missing_parent_message when there is one; anything else is returned as it is.
Status PgRefused(const Status& failed, const std::string& exists_message,
                 const std::string& missing_parent_message = "");

}  // namespace samp11
