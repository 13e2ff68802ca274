#include "tests/support/pg_database.h"

#include <libpq-fe.h>

#include <doctest/doctest.h>

#include <cstdlib>

namespace samp11::testing {
namespace {

// Fails the test unless a statement's result has the status wanted; clears it; the rows changed.
int Check(PGresult* result, ExecStatusType wanted) {
  const ExecStatusType status = PQresultStatus(result);
  const std::string message = PQresultErrorMessage(result);
  const char* tuples = PQcmdTuples(result);
  const int changes = tuples != nullptr && *tuples != '\0' ? std::atoi(tuples) : 0;
  PQclear(result);
  REQUIRE_MESSAGE(status == wanted, message);
  return changes;
}

}  // namespace

PgDatabase::PgDatabase(const std::string& conninfo, const std::string& schema) {
  conn_ = PQconnectdb(conninfo.c_str());
  REQUIRE_MESSAGE(PQstatus(conn_) == CONNECTION_OK, PQerrorMessage(conn_));
  Exec("SET search_path = " + schema);
}

PgDatabase::~PgDatabase() { PQfinish(conn_); }

void PgDatabase::Exec(const std::string& sql) {
  // PQexec returns the last statement's result; an earlier failure ends the script there.
  changes_ = Check(PQexec(conn_, sql.c_str()), PGRES_COMMAND_OK);
}

void PgDatabase::ExecWithBlob(const std::string& sql, const Bytes& blob) {
  const char* values[] = {reinterpret_cast<const char*>(blob.data())};
  const int lengths[] = {static_cast<int>(blob.size())};
  const int formats[] = {1};
  changes_ = Check(PQexecParams(conn_, sql.c_str(), 1, nullptr, values, lengths, formats, 0),
                   PGRES_COMMAND_OK);
}

std::string PgDatabase::BlobLiteral(const Bytes& bytes) {
  return "'\\x" + HexEncode(bytes) + "'::bytea";
}

void PgDatabase::DropForeignKeys() {
  Exec(R"(DO $$
DECLARE c record;
BEGIN
  FOR c IN SELECT conrelid::regclass AS tab, conname FROM pg_constraint
           WHERE contype = 'f' AND connamespace = current_schema()::regnamespace LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', c.tab, c.conname);
  END LOOP;
END $$)");
}

}  // namespace samp11::testing
