// The connection's own wait for an answer (pg_connection.h: every answer bounded on the client's
// side too) over TLS, against a cluster of its own with ssl on (support/pg_cluster.h). The TLS
// layer may have taken bytes off the socket that libpq has not read yet, which a poll of the
// socket does not see: an answer of many TLS records must arrive whole, never be given up at the
// deadline while it sits in that buffer.
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "state/postgres/pg_connection.h"
#include "tests/support/pg_cluster.h"

namespace samp11 {
namespace {

using testing::PgCluster;

TEST_CASE("postgres: answers of many TLS records arrive whole within the client's deadline") {
  auto cluster = PgCluster::Start();
  REQUIRE_MESSAGE(cluster.ok(), cluster.status().ToString());
  Status ssl_on = (*cluster)->EnableSsl();
  REQUIRE_MESSAGE(ssl_on.ok(), ssl_on.ToString());
  PgOptions options;
  options.conninfo = (*cluster)->ConnInfo() + " sslmode=require";
  options.timeout_seconds = 2;
  auto connection = PgConnection::Connect(options);
  REQUIRE_MESSAGE(connection.ok(), connection.status().ToString());
  auto lock = (*connection)->Lock();
  auto ssl = (*connection)->Exec("ssl", "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
  REQUIRE_MESSAGE(ssl.ok(), ssl.status().ToString());
  REQUIRE(ssl->Text(0, 0) == "t");
  // Sizes that end a TLS record at every place in libpq's buffer, in one value and in many rows.
  for (int i = 0; i < 16; ++i) {
    const int64_t length = 1000000 + 997 * i;
    auto big =
        (*connection)
            ->Exec("one long value", "SELECT repeat('x', $1::int)", PgParams().Int64(length));
    REQUIRE_MESSAGE(big.ok(), big.status().ToString());
    CHECK(static_cast<int64_t>(big->Text(0, 0).size()) == length);
    auto rows = (*connection)
                    ->Exec("many rows",
                           "SELECT g, repeat('y', 100 + $1::int) FROM generate_series(1, 20000) g",
                           PgParams().Int64(i));
    REQUIRE_MESSAGE(rows.ok(), rows.status().ToString());
    CHECK(rows->size() == 20000);
  }
}

}  // namespace
}  // namespace samp11
