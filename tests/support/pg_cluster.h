// A PostgreSQL cluster of the test's own (docs in ../shared/postgres.md): initdb in a temporary
// folder, the server on a free 127.0.0.1 port with its socket in that folder, trust
// authentication for the local `postgres` user; stopped and removed when the object goes. As root
// the server runs as the `postgres` user the Debian package creates (it refuses root).
// postgresql-15 is a test dependency (scripts/install-deps.sh), not an optional one: a missing
// server is an error, never a skipped test.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace samp11::testing {

class PgCluster {
 public:
  static Result<std::unique_ptr<PgCluster>> Start();
  ~PgCluster();
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  // A libpq connection string for database dbname on this cluster.
  std::string ConnInfo(const std::string& dbname = "postgres") const;
  // A new, empty database (named for the test).
  Status CreateDatabase(const std::string& dbname);
  // The server stopped (fast: sessions are cut) and started again, on the same port: what a
  // restart or a crash looks like to a client.
  Status StopServer();
  Status StartServer();

  // Failover (docs in ../shared/postgres.md). A synchronous standby of this running cluster:
  // pg_basebackup -R into a folder of its own, started on a port of its own; then this cluster's
  // synchronous_standby_names names it ('*') and is reloaded, so that a commit returns only once
  // the standby has flushed it. Returns when the standby streams and is the synchronous one.
  // The standby's configuration is copied before that setting, so once promoted it waits for
  // no standby of its own.
  Result<std::unique_ptr<PgCluster>> StartSyncStandby();
  // The server killed at once (pg_ctl stop -m immediate: no shutdown checkpoint, sessions cut
  // without a word): a crashed or lost primary, as its clients see it.
  Status KillServer();
  // A standby made primary (pg_ctl promote -w: returns once it accepts writes).
  Status Promote();
  // Every process of the server stopped (SIGSTOP of the postmaster, then its children) or
  // continued: a database that takes connections and statements into the kernel's buffers and
  // never answers (a hung host, a network that drops everything). The destructor continues a
  // paused server before it stops it.
  Status Pause();
  Status Resume();

  // TLS on (a self-signed certificate made with openssl in the data folder, ssl = on, reloaded):
  // clients that ask for it (sslmode=require) get it, the others (prefer, the default) too.
  Status EnableSsl();

  // A connection string for dbname on several clusters at once, tried in order, that takes
  // only the one that accepts writes (target_session_attrs=read-write): a client's view of a
  // primary and its standbys.
  static std::string MultiHostConnInfo(const std::vector<const PgCluster*>& clusters,
                                       const std::string& dbname = "postgres");

  int port() const { return port_; }
  const std::string& dir() const { return dir_; }

 private:
  PgCluster() = default;
  // Runs a server binary (as postgres when root); kStorage with its output on failure.
  Status RunBinary(const std::string& name, const std::vector<std::string>& args);
  // A temporary folder for a cluster, the server's user's, and its guard: a detached shell that
  // waits on a pipe only this process writes to. If this process ends without the destructor
  // having said "done" (killed by a test timeout, a crash), the guard continues a paused server,
  // stops it (immediate) and removes the folder, so that nothing is left running.
  Status MakeDir();
  // One statement on this cluster's postgres database, as the postgres user.
  Status Admin(const std::string& context, const std::string& sql);
  // The postmaster and its children, postmaster first (from postmaster.pid and /proc).
  Result<std::vector<int>> ServerPids() const;
  // The first answer of a query, waited for until it is expected (bounded): kStorage if it
  // never came.
  Status WaitFor(const std::string& what, const std::string& sql, const std::string& expected);

  std::string dir_;
  int port_ = 0;
  bool running_ = false;
  std::vector<int> paused_;  // the processes Pause stopped, for Resume
  int guard_ = -1;           // the guard's pipe (MakeDir)
};

// One cluster for the whole test process (initdb costs a second or two), started at first use,
// stopped and removed at exit. Throws std::runtime_error if it cannot start.
PgCluster& SharedPgCluster();

}  // namespace samp11::testing
