#include "bench/pg_commit.h"

#include <chrono>
#include <cstdint>
#include <ctime>
#include <memory>
#include <vector>

#include "bench/documents.h"
#include "bench/p11.h"
#include "bench/stats.h"
#include "common/bytes.h"

namespace samp11::bench {
namespace {

// Beside the token's own schema, never in it.
constexpr char kSchema[] = "samp11_bench_limit";

struct ResultClear {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultClear>;

}  // namespace

PgCommitProbe::PgCommitProbe(const std::string& conninfo) {
  conn_.reset(PQconnectdb(conninfo.c_str()));
  if (PQstatus(conn_.get()) != CONNECTION_OK) {
    throw BenchError(std::string("the durable-write probe cannot connect to PostgreSQL: ") +
                     PQerrorMessage(conn_.get()));
  }
  Exec("SET client_min_messages = warning", "quiet notices");  // DROP ... CASCADE says what
  server_ = {{"server_version", Show("server_version")},
             {"fsync", Show("fsync")},
             {"synchronous_commit", Show("synchronous_commit")},
             {"wal_sync_method", Show("wal_sync_method")},
             {"full_page_writes", Show("full_page_writes")},
             {"commit_delay", Show("commit_delay")}};
  if (server_["fsync"] != "on" || server_["synchronous_commit"] != "on") {
    throw BenchError("the PostgreSQL server does not flush its commits (fsync " +
                     server_["fsync"].get<std::string>() + ", synchronous_commit " +
                     server_["synchronous_commit"].get<std::string>() +
                     "): its limit would not be a durable write's");
  }
  const std::string s = kSchema;
  Exec("DROP SCHEMA IF EXISTS " + s + " CASCADE", "drop the scratch schema");
  Exec("CREATE SCHEMA " + s, "create the scratch schema");
  Exec("CREATE TABLE " + s +
           ".spent_hashes(kid TEXT NOT NULL, jti TEXT NOT NULL, hash BYTEA NOT NULL, key_id BYTEA "
           "NOT NULL, sad_exp BIGINT NOT NULL, spent_at BIGINT NOT NULL, PRIMARY KEY(kid, jti, "
           "hash))",
       "create the scratch table");
  Exec("CREATE INDEX ON " + s + ".spent_hashes(sad_exp)", "create the scratch index");
  ResultPtr prepared(PQprepare(conn_.get(), "spend",
                               ("INSERT INTO " + s +
                                ".spent_hashes(kid, jti, hash, key_id, sad_exp, spent_at) "
                                "VALUES($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING")
                                   .c_str(),
                               6, nullptr));
  if (PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
    throw BenchError(std::string("prepare the probe's INSERT: ") + PQerrorMessage(conn_.get()));
  }
}

PgCommitProbe::~PgCommitProbe() {
  // Best effort: a scratch schema left behind is dropped by the next probe on that database.
  ResultPtr dropped(
      PQexec(conn_.get(), (std::string("DROP SCHEMA ") + kSchema + " CASCADE").c_str()));
}

void PgCommitProbe::Exec(const std::string& sql, const char* what) {
  ResultPtr r(PQexec(conn_.get(), sql.c_str()));
  if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
    throw BenchError(std::string(what) + ": " + PQerrorMessage(conn_.get()));
  }
}

std::string PgCommitProbe::Show(const char* setting) {
  ResultPtr r(PQexec(conn_.get(), (std::string("SHOW ") + setting).c_str()));
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK || PQntuples(r.get()) != 1) {
    throw BenchError(std::string("SHOW ") + setting + ": " + PQerrorMessage(conn_.get()));
  }
  return PQgetvalue(r.get(), 0, 0);
}

double PgCommitProbe::MedianMicros(int n, double* mean_us) {
  // The rows are made before the clock runs: a kid and jti as long as a SAD's (a JWK thumbprint,
  // 16 random bytes), a SHA-256 hash, a key id, two times.
  struct Row {
    std::string kid, jti, exp, at;
    Bytes hash, key_id;
  };
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  std::vector<Row> rows(n);
  for (Row& r : rows) {
    r = {Base64UrlEncode(Random(32)),
         Base64UrlEncode(Random(16)),
         std::to_string(now + 300),
         std::to_string(now),
         Random(32),
         Random(4)};
  }
  std::vector<double> times;
  times.reserve(n);
  for (const Row& r : rows) {
    const char* values[6] = {r.kid.c_str(),
                             r.jti.c_str(),
                             reinterpret_cast<const char*>(r.hash.data()),
                             reinterpret_cast<const char*>(r.key_id.data()),
                             r.exp.c_str(),
                             r.at.c_str()};
    const int lengths[6] = {
        0, 0, static_cast<int>(r.hash.size()), static_cast<int>(r.key_id.size()), 0, 0};
    const int formats[6] = {0, 0, 1, 1, 0, 0};
    auto a = SteadyClock::now();
    ResultPtr done(PQexecPrepared(conn_.get(), "spend", 6, values, lengths, formats, 0));
    times.push_back(Micros(SteadyClock::now() - a));
    if (PQresultStatus(done.get()) != PGRES_COMMAND_OK ||
        std::string(PQcmdTuples(done.get())) != "1") {
      throw BenchError(std::string("the probe's INSERT: ") + PQerrorMessage(conn_.get()));
    }
  }
  if (mean_us != nullptr) {
    double sum = 0;
    for (double t : times) sum += t;
    *mean_us = times.empty() ? 0 : sum / static_cast<double>(times.size());
  }
  return Median(times);
}

}  // namespace samp11::bench
