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

  int port() const { return port_; }
  const std::string& dir() const { return dir_; }

 private:
  PgCluster() = default;
  // Runs a server binary (as postgres when root); kStorage with its output on failure.
  Status RunBinary(const std::string& name, const std::vector<std::string>& args);

  std::string dir_;
  int port_ = 0;
  bool running_ = false;
};

// One cluster for the whole test process (initdb costs a second or two), started at first use,
// stopped and removed at exit. Throws std::runtime_error if it cannot start.
PgCluster& SharedPgCluster();

}  // namespace samp11::testing
