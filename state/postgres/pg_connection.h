// One libpq connection to a token's PostgreSQL database, and the one place where PostgreSQL's
// failures become a Status. Several signing nodes share the database (docs/keystore.md, the
// PostgreSQL issue); each node's state store holds its own connections.
//
// Failures: a uniqueness violation is kAlreadyExists, a foreign key violation kNotFound, anything
// else kStorage with PostgreSQL's primary message (it names constraints, never row values: the
// DETAIL field, which quotes them, is left out). A connection that broke (a restarted server, a
// failover) is kStorage for the statement that found it, and is made again at the next call, so a
// node goes on by itself once the database is back (with a multi-host connection string and
// target_session_attrs=read-write, on whichever host is the primary then).
//
// Time: every statement is bounded (statement_timeout) and so is every connection attempt
// (connect_timeout), so a database that is down makes a signature fail fast, not hang. The client
// bounds every answer too (timeout_seconds and one second more): a server that does not run at
// all (stopped, a host gone from the network) answers nothing, not even at its statement_timeout.
// A connection given up that way is closed, and the statement's outcome is unknown, as is that of
// a COMMIT whose answer was lost: the caller must not report its writes as done. docs/keystore.md,
// "Faults of the database", says what becomes of a signature then.
#pragma once

#include <libpq-fe.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"

namespace samp11 {

struct PgOptions {
  // A libpq connection string or URI (`host=... dbname=...`, `service=...`,
  // `postgresql://h1,h2/db?target_session_attrs=read-write`). The password comes from the
  // service file or .pgpass (PGPASSFILE), never from here: it would be in the configuration.
  std::string conninfo;
  // Bounds one connection attempt (per host) and one statement.
  int timeout_seconds = 5;
  // The schema that holds the token's tables (search_path): one database may hold several
  // tokens, and a restore's stage and aside copies sit beside the live one. Lower-case letters,
  // digits and '_' only (PgSchemaNameOk); empty: the server's default.
  std::string schema;
};

// Whether name may be used as a schema name as it is (never quoted into SQL otherwise).
bool PgSchemaNameOk(std::string_view name);
// kConfig if conninfo cannot be parsed or holds a password: a password belongs in .pgpass
// (PGPASSFILE) or a service file, not in samp11's configuration, which is readable by more.
Status PgCheckConninfo(const std::string& conninfo);

// Parameters of one statement, $1.. in order: text and integers as text, bytes as binary.
class PgParams {
 public:
  PgParams& Text(std::string_view value);
  PgParams& Blob(const Bytes& value);
  PgParams& Int64(int64_t value);

  int count() const { return static_cast<int>(values_.size()); }
  const char* const* values() const { return pointers_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  void Add(std::string value, int format);
  std::vector<std::string> values_;
  std::vector<const char*> pointers_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

struct PgResultClear {
  void operator()(PGresult* result) const { PQclear(result); }
};

// The rows of one statement, in text format (bytea as PostgreSQL's hex text, decoded here).
class PgRows {
 public:
  explicit PgRows(std::unique_ptr<PGresult, PgResultClear> result) : result_(std::move(result)) {}
  int size() const { return PQntuples(result_.get()); }
  bool IsNull(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }
  std::string Text(int row, int column) const;
  int64_t Int64(int row, int column) const;
  Bytes Blob(int row, int column) const;
  // Rows changed by an INSERT, UPDATE or DELETE.
  int64_t affected() const;
  // The command tag ("INSERT 0 1", "COMMIT", "ROLLBACK").
  std::string command() const { return PQcmdStatus(result_.get()); }

 private:
  std::unique_ptr<PGresult, PgResultClear> result_;
};

class PgConnection {
 public:
  // Connects (kStorage naming the database, never the connection string: it may hold secrets).
  static Result<std::unique_ptr<PgConnection>> Connect(const PgOptions& options);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Held for a method's whole sequence of statements (a transaction included). A caller that
  // waited for it while the holder found the database unreachable does not connect again: it
  // fails at once (kStorage), so that threads queued on one connection do not each wait out the
  // timeout in turn. The next call tries again.
  std::unique_lock<std::mutex> Lock();

  // One statement; context names what it was for in a failure. Lock held.
  Result<PgRows> Exec(std::string_view context, std::string_view sql,
                      const PgParams& params = PgParams());
  // Statements without parameters, in one round trip (schema, transaction control). Lock held.
  Status ExecScript(std::string_view context, std::string_view sql);
  // value as an SQL string literal for a script (ExecScript), quoted by libpq for this
  // connection's encoding; connects first if need be (never within a transaction). Lock held.
  Result<std::string> Literal(std::string_view context, std::string_view value);

  // "database D on H:P", for messages.
  std::string Describe() const;

 private:
  using ResultPtr = std::unique_ptr<PGresult, PgResultClear>;

  PgConnection(PgOptions options, PGconn* conn) : options_(std::move(options)), conn_(conn) {}
  static Result<PGconn*> Open(const PgOptions& options);
  // A broken connection made again (Lock held): kStorage if the database cannot be reached.
  Status EnsureOpen(std::string_view context);
  // Whether the server ended this connection while it was idle (a restart, a failover, a
  // terminated backend): it says so and closes the socket, which a poll sees before anything is
  // sent. Such a connection is made again before the statement, which then runs.
  bool ServerHungUp();
  // One statement (params) or script (params null: the simple protocol, several statements),
  // sent and its answer awaited until the client's deadline; the result of a script is its first
  // error, or else its last statement's.
  Result<PgRows> Run(std::string_view context, std::string_view sql, const PgParams* params);
  Result<ResultPtr> Await(std::string_view context);
  // The connection given up: closed without waiting for anything, made again at the next call.
  Status Unanswered(std::string_view context);
  Status Broke(std::string_view context);
  Status Failed(std::string_view context, const PGresult* result);

  friend class PgTransaction;

  const PgOptions options_;
  std::mutex mu_;
  PGconn* conn_;
  // Within BEGIN ... COMMIT a broken connection is not made again: the statements after the break
  // would run outside the transaction, and its COMMIT would seem to succeed.
  bool in_transaction_ = false;
  // Times the database could not be reached (a connection attempt failed, an answer never came),
  // and its value when the holder of mu_ began to wait for it (Lock): if they differ, the
  // holder's attempt fails at once, with the reason of the last one (unreachable_why_).
  std::atomic<uint64_t> unreachable_{0};
  uint64_t ticket_ = 0;
  std::string unreachable_why_;
};

// BEGIN ... COMMIT on a locked connection; rolled back unless Commit() succeeded.
class PgTransaction {
 public:
  // isolation: "READ COMMITTED", "REPEATABLE READ" or "SERIALIZABLE". prologue: statements
  // without parameters (fixed text, values quoted by Literal) run right after BEGIN in the same
  // round trip; if any of them fails, the transaction is rolled back and Begin fails.
  static Result<std::unique_ptr<PgTransaction>> Begin(PgConnection& connection,
                                                      std::string_view isolation = "READ COMMITTED",
                                                      std::string_view prologue = "");
  ~PgTransaction();
  PgTransaction(const PgTransaction&) = delete;
  PgTransaction& operator=(const PgTransaction&) = delete;
  Status Commit();

 private:
  explicit PgTransaction(PgConnection& connection) : connection_(connection) {}
  PgConnection& connection_;
  bool done_ = false;
};

}  // namespace samp11
