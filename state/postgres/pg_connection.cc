#include "state/postgres/pg_connection.h"

#include <cstdlib>
#include <cstring>

namespace samp11 {
namespace {

constexpr char kUniqueViolation[] = "23505";
constexpr char kForeignKeyViolation[] = "23503";

// libpq's messages end with a newline, and may run over several lines.
std::string OneLine(const char* message) {
  std::string line = message != nullptr ? message : "";
  while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.pop_back();
  for (char& c : line) {
    if (c == '\n') c = ' ';
  }
  return line;
}

}  // namespace

bool PgSchemaNameOk(std::string_view name) {
  if (name.empty() || name.size() > 63 || name[0] == '_' || (name[0] >= '0' && name[0] <= '9')) {
    return false;
  }
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return name.rfind("pg_", 0) != 0;
}

Status PgCheckConninfo(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (options == nullptr) {
    // libpq's message names the part it could not read; the string itself is not repeated.
    Status bad(Code::kConfig, "PostgreSQL: the connection string cannot be read: " +
                                  OneLine(error != nullptr ? error : "out of memory"));
    if (error != nullptr) PQfreemem(error);
    return bad;
  }
  bool has_password = false;
  for (PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    if (std::strcmp(option->keyword, "password") == 0 && option->val != nullptr &&
        *option->val != '\0') {
      has_password = true;
    }
  }
  PQconninfoFree(options);
  if (has_password) {
    return Status(Code::kConfig,
                  "PostgreSQL: the connection string holds a password: put it in .pgpass "
                  "(PGPASSFILE) or a service file instead");
  }
  return Status::Ok();
}

void PgParams::Add(std::string value, int format) {
  values_.push_back(std::move(value));
  lengths_.push_back(static_cast<int>(values_.back().size()));
  formats_.push_back(format);
  // The strings may have moved: every pointer is taken again.
  pointers_.clear();
  for (const std::string& v : values_) pointers_.push_back(v.data());
}

PgParams& PgParams::Text(std::string_view value) {
  Add(std::string(value), 0);
  return *this;
}

PgParams& PgParams::Blob(const Bytes& value) {
  Add(std::string(value.begin(), value.end()), 1);
  return *this;
}

PgParams& PgParams::Int64(int64_t value) {
  Add(std::to_string(value), 0);
  return *this;
}

std::string PgRows::Text(int row, int column) const {
  return std::string(PQgetvalue(result_.get(), row, column),
                     static_cast<size_t>(PQgetlength(result_.get(), row, column)));
}

int64_t PgRows::Int64(int row, int column) const {
  return std::strtoll(PQgetvalue(result_.get(), row, column), nullptr, 10);
}

Bytes PgRows::Blob(int row, int column) const {
  size_t length = 0;
  unsigned char* raw = PQunescapeBytea(
      reinterpret_cast<const unsigned char*>(PQgetvalue(result_.get(), row, column)), &length);
  if (raw == nullptr) return Bytes();
  Bytes bytes(raw, raw + length);
  PQfreemem(raw);
  return bytes;
}

int64_t PgRows::affected() const {
  const char* tuples = PQcmdTuples(result_.get());
  return tuples != nullptr && *tuples != '\0' ? std::strtoll(tuples, nullptr, 10) : 0;
}

Result<PGconn*> PgConnection::Open(const PgOptions& options) {
  const std::string timeout = std::to_string(options.timeout_seconds);
  std::string server_options =
      "-c statement_timeout=" + std::to_string(options.timeout_seconds * 1000);
  if (!options.schema.empty()) {
    if (!PgSchemaNameOk(options.schema)) {
      return Status(Code::kConfig, "PostgreSQL: '" + options.schema + "' is not a schema name");
    }
    server_options += " -c search_path=" + options.schema;
  }
  // Ours first: what the connection string says overrides them (the last value of a keyword
  // wins, and dbname is expanded where it stands).
  const char* keywords[] = {"connect_timeout", "options", "application_name", "dbname", nullptr};
  const char* values[] = {timeout.c_str(), server_options.c_str(), "samp11",
                          options.conninfo.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn == nullptr) return Status(Code::kStorage, "PostgreSQL: out of memory connecting");
  if (PQstatus(conn) != CONNECTION_OK) {
    Status failed(Code::kStorage, "PostgreSQL: cannot connect: " + OneLine(PQerrorMessage(conn)));
    PQfinish(conn);
    return failed;
  }
  return conn;
}

Result<std::unique_ptr<PgConnection>> PgConnection::Connect(const PgOptions& options) {
  SAMP11_ASSIGN_OR_RETURN(PGconn * conn, Open(options));
  return std::unique_ptr<PgConnection>(new PgConnection(options, conn));
}

PgConnection::~PgConnection() {
  if (conn_ != nullptr) PQfinish(conn_);
}

std::string PgConnection::Describe() const {
  if (conn_ == nullptr) return "PostgreSQL (not connected)";
  return std::string("PostgreSQL database ") + PQdb(conn_) + " on " + PQhost(conn_) + ":" +
         PQport(conn_);
}

Status PgConnection::EnsureOpen(std::string_view context) {
  if (conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK) return Status::Ok();
  if (in_transaction_) {
    return Status(Code::kStorage, "PostgreSQL: " + std::string(context) +
                                      ": the connection broke in a transaction");
  }
  if (conn_ != nullptr) PQfinish(conn_);
  conn_ = nullptr;
  Result<PGconn*> conn = Open(options_);
  if (!conn.ok()) {
    return Status(Code::kStorage, std::string(context) + ": " + conn.status().message());
  }
  conn_ = *conn;
  return Status::Ok();
}

Status PgConnection::Failed(std::string_view context, const PGresult* result) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string primary =
      result != nullptr ? OneLine(PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY)) : "";
  const std::string message =
      std::string(context) + ": " + (primary.empty() ? OneLine(PQerrorMessage(conn_)) : primary);
  if (state != nullptr && std::strcmp(state, kUniqueViolation) == 0) {
    return Status(Code::kAlreadyExists, message);
  }
  if (state != nullptr && std::strcmp(state, kForeignKeyViolation) == 0) {
    return Status(Code::kNotFound, message);
  }
  return Status(Code::kStorage, "PostgreSQL: " + message);
}

Result<PgRows> PgConnection::Exec(std::string_view context, std::string_view sql,
                                  const PgParams& params) {
  SAMP11_RETURN_IF_ERROR(EnsureOpen(context));
  const std::string text(sql);
  std::unique_ptr<PGresult, PgResultClear> result(
      PQexecParams(conn_, text.c_str(), params.count(), nullptr, params.values(), params.lengths(),
                   params.formats(), /*resultFormat=*/0));
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return Failed(context, result.get());
  }
  return PgRows(std::move(result));
}

Status PgConnection::ExecScript(std::string_view context, std::string_view sql) {
  SAMP11_RETURN_IF_ERROR(EnsureOpen(context));
  const std::string text(sql);
  std::unique_ptr<PGresult, PgResultClear> result(PQexec(conn_, text.c_str()));
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return Failed(context, result.get());
  return Status::Ok();
}

Result<std::unique_ptr<PgTransaction>> PgTransaction::Begin(PgConnection& connection,
                                                            std::string_view isolation) {
  SAMP11_RETURN_IF_ERROR(
      connection.ExecScript("BEGIN", "BEGIN ISOLATION LEVEL " + std::string(isolation)));
  connection.in_transaction_ = true;
  return std::unique_ptr<PgTransaction>(new PgTransaction(connection));
}

PgTransaction::~PgTransaction() {
  if (!done_ && connection_.conn_ != nullptr && PQstatus(connection_.conn_) == CONNECTION_OK) {
    (void)connection_.ExecScript("ROLLBACK", "ROLLBACK");
  }
  connection_.in_transaction_ = false;
}

Status PgTransaction::Commit() {
  // A COMMIT whose answer is lost (the connection broke) has an unknown outcome: kStorage, and
  // the caller must not report what it wrote as done.
  Result<PgRows> committed = connection_.Exec("COMMIT", "COMMIT");
  done_ = true;
  connection_.in_transaction_ = false;
  if (!committed.ok()) return committed.status();
  // A transaction that an error aborted answers COMMIT with ROLLBACK.
  if (committed->command() != "COMMIT") {
    return Status(Code::kStorage, "PostgreSQL: the transaction was rolled back, not committed");
  }
  return Status::Ok();
}

}  // namespace samp11
