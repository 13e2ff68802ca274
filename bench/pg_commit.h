// The durable write of a token in PostgreSQL, measured on its server (docs/performance.md, "How
// the limit is computed"): what one spend costs at the least, an INSERT ... ON CONFLICT DO NOTHING
// of a row shaped as a spent hash (the same columns, key and index as spent_hashes), in its own
// transaction, committed with the server's synchronous_commit, one client. It is to the
// samp11-postgres rows what write + fdatasync is to the file's. The statement is prepared once
// (libpq, no samp11 code between): the least a spend can cost, not what samp11 makes of it.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace samp11::bench {

class PgCommitProbe {
 public:
  // Connects and makes a scratch schema of its own (dropped at the end). Throws BenchError if the
  // server does not flush its commits (fsync or synchronous_commit off): a limit from commits
  // that are not durable would be no limit.
  explicit PgCommitProbe(const std::string& conninfo);
  ~PgCommitProbe();
  PgCommitProbe(const PgCommitProbe&) = delete;
  PgCommitProbe& operator=(const PgCommitProbe&) = delete;

  // The median time of n commits of fresh rows, in microseconds; the mean beside it when asked.
  double MedianMicros(int n, double* mean_us = nullptr);

  // The server's version and the settings that decide what a commit costs.
  const nlohmann::json& Server() const { return server_; }

 private:
  void Exec(const std::string& sql, const char* what);
  std::string Show(const char* setting);

  struct Finish {
    void operator()(PGconn* c) const { PQfinish(c); }
  };
  std::unique_ptr<PGconn, Finish> conn_;  // closed also when the constructor throws
  nlohmann::json server_;
};

}  // namespace samp11::bench
