#include "state/postgres/pg_connection.h"

#include <openssl/ssl.h>
#include <poll.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common/cancel_signal.h"
#include "common/log.h"

namespace samp11 {
namespace {

constexpr char kUniqueViolation[] = "23505";
constexpr char kForeignKeyViolation[] = "23503";
// How much longer than the server's statement_timeout the client waits for an answer: the
// server's own cancellation, an error that leaves the connection usable, comes first.
constexpr int64_t kAnswerGraceMillis = 1000;

// libpq's messages end with a newline, and may run over several lines.
std::string OneLine(const char* message) {
  std::string line = message != nullptr ? message : "";
  while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.pop_back();
  for (char& c : line) {
    if (c == '\n') c = ' ';
  }
  return line;
}

// How long the client waits for one answer.
int64_t AnswerWaitMillis(const PgOptions& options) {
  return int64_t{options.timeout_seconds} * 1000 + kAnswerGraceMillis;
}

bool Succeeded(const PGresult* result) {
  const ExecStatusType status = PQresultStatus(result);
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

// Whether TLS has taken bytes off the socket that libpq has not read yet: a poll of the socket
// does not see them (libpq's own waits ask the same before they poll).
bool TlsPending(PGconn* conn) {
  if (PQsslInUse(conn) == 0) return false;
  auto* ssl = static_cast<SSL*>(PQsslStruct(conn, "OpenSSL"));
  return ssl != nullptr && SSL_pending(ssl) > 0;
}

// Waits until the socket is ready for events or the deadline (monotonic) passes; EINTR retried.
bool WaitSocket(int fd, short events, int64_t deadline) {
  for (;;) {
    const int64_t left = deadline - MonotonicMillis();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left));
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR) return true;  // libpq's next call reports the socket's fault
  }
}

// The server's notices (and a FATAL sent to an idle connection before the server closes it) go
// to samp11's log, never to the application's stderr, where libpq would print them.
void LogNotice(void*, const PGresult* notice) {
  const char* severity = PQresultErrorField(notice, PG_DIAG_SEVERITY_NONLOCALIZED);
  const std::string text = OneLine(PQresultErrorField(notice, PG_DIAG_MESSAGE_PRIMARY)) + " (" +
                           (severity != nullptr ? severity : "?") + ")";
  const bool serious = severity != nullptr &&
                       (std::strcmp(severity, "WARNING") == 0 ||
                        std::strcmp(severity, "FATAL") == 0 || std::strcmp(severity, "PANIC") == 0);
  if (serious) {
    SAMP11_LOG(kWarn, "PostgreSQL says: " << text);
  } else {
    SAMP11_LOG(kDebug, "PostgreSQL says: " << text);
  }
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
  // Statements are sent and awaited without blocking (Await), so that the client's deadline
  // holds whatever the server does.
  if (PQsetnonblocking(conn, 1) != 0) {
    Status failed(Code::kStorage, "PostgreSQL: " + OneLine(PQerrorMessage(conn)));
    PQfinish(conn);
    return failed;
  }
  PQsetNoticeReceiver(conn, LogNotice, nullptr);
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

std::unique_lock<std::mutex> PgConnection::Lock() {
  const uint64_t ticket = unreachable_.load();
  std::unique_lock<std::mutex> lock(mu_);
  ticket_ = ticket;
  return lock;
}

bool PgConnection::ServerHungUp() {
  // A FATAL message and the end of the stream may come in separate reads: a few rounds.
  for (int round = 0; round < 4; ++round) {
    pollfd p{PQsocket(conn_), POLLIN, 0};
    if (!TlsPending(conn_) && ::poll(&p, 1, 0) <= 0) return false;  // nothing said: alive
    if (PQconsumeInput(conn_) == 0 || PQstatus(conn_) != CONNECTION_OK) return true;
  }
  return false;
}

Status PgConnection::EnsureOpen(std::string_view context) {
  if (conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK && !ServerHungUp()) {
    return Status::Ok();
  }
  if (in_transaction_) {
    return Status(Code::kStorage, "PostgreSQL: " + std::string(context) +
                                      ": the connection broke in a transaction");
  }
  if (conn_ != nullptr) PQfinish(conn_);
  conn_ = nullptr;
  if (unreachable_.load() != ticket_) {
    return Status(Code::kStorage, std::string(context) +
                                      ": not tried again: the database could not be reached "
                                      "while this call waited (" +
                                      unreachable_why_ + ")");
  }
  Result<PGconn*> conn = Open(options_);
  if (!conn.ok()) {
    unreachable_why_ = conn.status().message();
    ++unreachable_;
    return Status(Code::kStorage, std::string(context) + ": " + conn.status().message());
  }
  conn_ = *conn;
  return Status::Ok();
}

Status PgConnection::Unanswered(std::string_view context) {
  // Nothing more is sent: a cancel request would wait for a server that does not answer, and
  // would turn a COMMIT waiting for its synchronous standby into one answered as committed (with
  // only a warning that the standby may not have it). Closing sends a Terminate message, which a
  // server that runs again reads after the statement, so the statement may still run then (its
  // outcome is unknown).
  PQfinish(conn_);
  conn_ = nullptr;
  unreachable_why_ = "no answer within " + std::to_string(AnswerWaitMillis(options_) / 1000) + " s";
  ++unreachable_;
  return Status(Code::kStorage, "PostgreSQL: " + std::string(context) + ": " + unreachable_why_ +
                                    "; the connection was closed");
}

Status PgConnection::Broke(std::string_view context) {
  // The connection stays as it is (bad): EnsureOpen makes it again, or refuses in a transaction.
  return Status(Code::kStorage,
                "PostgreSQL: " + std::string(context) + ": " + OneLine(PQerrorMessage(conn_)));
}

Result<PgConnection::ResultPtr> PgConnection::Await(std::string_view context) {
  const int64_t deadline = MonotonicMillis() + AnswerWaitMillis(options_);
  const int fd = PQsocket(conn_);
  for (;;) {
    const int flushed = PQflush(conn_);
    if (flushed == 0) break;
    if (flushed < 0) return Broke(context);
    if (!WaitSocket(fd, POLLOUT | POLLIN, deadline)) return Unanswered(context);
    if (PQconsumeInput(conn_) == 0) return Broke(context);
  }
  ResultPtr kept;  // the first failure, or else the latest result
  for (;;) {
    while (PQisBusy(conn_)) {
      if (!TlsPending(conn_) && !WaitSocket(fd, POLLIN, deadline)) return Unanswered(context);
      if (PQconsumeInput(conn_) == 0) return Broke(context);
    }
    ResultPtr result(PQgetResult(conn_));
    if (!result) break;
    if (!kept || Succeeded(kept.get())) kept = std::move(result);
  }
  if (!kept) return Broke(context);
  return kept;
}

Result<PgRows> PgConnection::Run(std::string_view context, std::string_view sql,
                                 const PgParams* params) {
  SAMP11_RETURN_IF_ERROR(EnsureOpen(context));
  const std::string text(sql);
  const int sent =
      params != nullptr
          ? PQsendQueryParams(conn_, text.c_str(), params->count(), nullptr, params->values(),
                              params->lengths(), params->formats(), /*resultFormat=*/0)
          : PQsendQuery(conn_, text.c_str());
  if (sent == 0) return Broke(context);
  SAMP11_ASSIGN_OR_RETURN(ResultPtr result, Await(context));
  if (!Succeeded(result.get())) return Failed(context, result.get());
  return PgRows(std::move(result));
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
  return Run(context, sql, &params);
}

Status PgConnection::ExecScript(std::string_view context, std::string_view sql) {
  return Run(context, sql, nullptr).status();
}

Result<std::string> PgConnection::Literal(std::string_view context, std::string_view value) {
  SAMP11_RETURN_IF_ERROR(EnsureOpen(context));
  char* quoted = PQescapeLiteral(conn_, value.data(), value.size());
  if (quoted == nullptr) return Broke(context);
  std::string literal(quoted);
  PQfreemem(quoted);
  return literal;
}

Result<std::unique_ptr<PgTransaction>> PgTransaction::Begin(PgConnection& connection,
                                                            std::string_view isolation,
                                                            std::string_view prologue) {
  std::string script = "BEGIN ISOLATION LEVEL " + std::string(isolation);
  if (!prologue.empty()) script += "; " + std::string(prologue);
  Status begun = connection.ExecScript("BEGIN", script);
  if (!begun.ok()) {
    // BEGIN ran and a statement of the prologue failed (a lock not had in time): the server
    // holds the aborted transaction open until it is rolled back.
    PGconn* conn = connection.conn_;
    if (conn != nullptr && PQstatus(conn) == CONNECTION_OK &&
        PQtransactionStatus(conn) != PQTRANS_IDLE) {
      (void)connection.ExecScript("ROLLBACK", "ROLLBACK");
    }
    return begun;
  }
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
  // A COMMIT whose answer is lost (the connection broke, or no answer came in time) has an
  // unknown outcome: kStorage, and the caller must not report what it wrote as done. With a
  // synchronous standby, COMMIT answers once the standby has the transaction: statement_timeout
  // does not cut that wait short (the server stops it before the commit proper), the client's
  // deadline does, and a COMMIT given up that way is an unknown outcome like any other.
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
