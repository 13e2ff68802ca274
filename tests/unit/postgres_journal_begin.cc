// A journal write sends BEGIN and the node's audit append lock in one round trip (a script, the
// node's name quoted into it: PgTransaction::Begin's prologue). The lock not had in time fails the
// write and leaves the connection usable: the aborted transaction is rolled back, and the node's
// next write runs. The name with a quote and a backslash is the name the other holder locks.
#include <string>
#include <vector>

#include "state/postgres/pg_connection.h"
#include "state_test_util.h"

namespace samp11 {
namespace {

using namespace testing;

TEST_CASE("postgres: a journal write whose append lock times out fails and rolls back") {
  MustOk(SharedPgCluster().CreateDatabase("journal_begin"));
  PgOptions options;
  options.conninfo = SharedPgCluster().ConnInfo("journal_begin");
  options.schema = "token";
  options.timeout_seconds = 1;  // the server cancels the wait for the lock after a second
  const std::string name = "node-'a\\";
  PgStateConfig config;
  config.options = options;
  config.node = name;
  auto node = Must(PgStateLocation(config)->Create());
  auto write = [&node](const std::string& hash) {
    std::vector<JournalStore::Entry> entries(1);
    entries[0].spend = Spent("j", hash);
    entries[0].make_append = [](const AuditTail& tail, bool won) -> Result<AuditAppend> {
      return NextRecord(tail, won ? "won" : "lost");
    };
    return node->journal().WriteJournal(entries, true);
  };

  auto holder = Must(PgConnection::Connect(options));
  {
    auto lock = holder->Lock();
    auto tx = Must(PgTransaction::Begin(*holder));
    MustOk(holder->Exec("test", "SELECT pg_advisory_xact_lock(hashtext($1))", PgParams().Text(name))
               .status());
    Result<std::vector<bool>> refused = write("h1");
    CHECK(refused.status().code() == Code::kStorage);
    MustOk(tx->Commit());
  }
  CHECK_FALSE(Must(node->replay().IsHashSpent("kid-1", "j", ToBytes("h1"))));
  CHECK(AuditSeqs(*node).empty());

  // Released: the same connection of the node writes (no transaction was left open on it).
  CHECK(Must(write("h1")) == std::vector<bool>{true});
  CHECK(Must(node->replay().IsHashSpent("kid-1", "j", ToBytes("h1"))));
  CHECK(AuditSeqs(*node) == std::vector<int64_t>{1});
}

}  // namespace
}  // namespace samp11
