// The order in which a node's transaction spends hashes (PgInsertSpentHashes). A journal write
// carries several threads' signatures in the order they came, and another node's write may carry
// some of the same hashes in another order: had each inserted in its own order, each would wait
// for a row the other inserted, PostgreSQL would break the deadlock by failing one, and that
// node's signatures would be withheld (CKR_DEVICE_ERROR; seen in postgres_race). Every writer
// inserts in (kid, jti, hash) order: a rival that holds "x" and then inserts "y" is waited for, and
// never waits in return.
#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "state/postgres/pg_connection.h"
#include "state_test_util.h"

namespace samp11 {
namespace {

using namespace testing;

PgOptions Options(const std::string& database) {
  MustOk(SharedPgCluster().CreateDatabase(database));
  PgOptions options;
  options.conninfo = SharedPgCluster().ConnInfo(database);
  options.schema = "token";
  options.timeout_seconds = 10;
  return options;
}

std::unique_ptr<StateLocation> Node(const PgOptions& options, const std::string& node) {
  PgStateConfig config;
  config.options = options;
  config.node = node;
  return PgStateLocation(config);
}

// Waits until some backend of the cluster waits for a lock (a row another transaction inserted):
// a point in the other thread's transaction, seen from outside; bounded.
bool SomeoneWaitsForALock(PgConnection& watcher) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    auto lock = watcher.Lock();
    Result<PgRows> rows =
        watcher.Exec("test",
                     "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                     "AND datname = current_database()");
    if (rows.ok() && rows->Int64(0, 0) > 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

Status InsertInRivalTransaction(PgConnection& rival, const std::string& hash) {
  auto lock = rival.Lock();
  const SpentHashRow row = Spent("j", hash);
  return rival
      .Exec("test",
            "INSERT INTO spent_hashes(kid, jti, hash, key_id, sad_exp, spent_at) "
            "VALUES($1, $2, $3, $4, $5, $6)",
            PgParams()
                .Text(row.kid)
                .Text(row.jti)
                .Blob(row.hash)
                .Blob(row.key_id)
                .Int64(row.sad_exp)
                .Int64(row.spent_at))
      .status();
}

TEST_CASE("postgres: a node spends in one order whatever its entries' order: no deadlock") {
  for (const bool claim : {false, true}) {
    CAPTURE(claim);
    const PgOptions options = Options(claim ? "spend_order_claim" : "spend_order_journal");
    auto node = Must(Node(options, "node-a")->Create());
    auto rival = Must(PgConnection::Connect(options));
    auto watcher = Must(PgConnection::Connect(options));

    // The rival, another node spending in (kid, jti, hash) order, holds "x" uncommitted.
    std::unique_ptr<PgTransaction> rival_tx;
    {
      auto lock = rival->Lock();
      rival_tx = Must(PgTransaction::Begin(*rival));
    }
    MustOk(InsertInRivalTransaction(*rival, "x"));

    // This node spends "y" and "x", given in that order: it must wait for "x" holding nothing.
    std::optional<Result<std::vector<bool>>> written;
    std::thread writer([&] {
      if (claim) {
        written = node->journal().ClaimSpentHashes(
            {Spent("j", "y"), Spent("j", "x")},
            [](const AuditTail& tail, size_t claimed) -> Result<AuditAppend> {
              return NextRecord(tail, std::to_string(claimed) + " claimed");
            });
      } else {
        std::vector<JournalStore::Entry> entries(2);
        entries[0].spend = Spent("j", "y");
        entries[1].spend = Spent("j", "x");
        for (JournalStore::Entry& entry : entries) {
          entry.make_append = [](const AuditTail& tail, bool won) -> Result<AuditAppend> {
            return NextRecord(tail, won ? "won" : "lost");
          };
        }
        written = node->journal().WriteJournal(entries, true);
      }
    });
    const bool waits = SomeoneWaitsForALock(*watcher);
    // "y" is free for the rival: had this node taken it before "x", the rival would wait for this
    // node, which waits for the rival, and PostgreSQL would fail one of the two.
    const Status rival_y = waits ? InsertInRivalTransaction(*rival, "y") : Status::Ok();
    Status committed = Status::Ok();
    {
      auto lock = rival->Lock();
      committed = rival_y.ok() ? rival_tx->Commit() : Status::Ok();
      rival_tx.reset();
    }
    writer.join();
    REQUIRE(waits);
    CHECK_MESSAGE(rival_y.ok(), rival_y.ToString());
    CHECK_MESSAGE(committed.ok(), committed.ToString());
    REQUIRE(written.has_value());
    REQUIRE_MESSAGE(written->ok(), written->status().ToString());
    // Both lost to the rival, and reported in the entries' order.
    CHECK(**written == (std::vector<bool>{false, false}));
    AuditRowFilter filter;
    std::vector<AuditRow> rows = Must(node->audit().ListAuditRows(0, 10, filter));
    std::vector<std::string> events;
    for (const AuditRow& row : rows) events.push_back(row.event);
    CHECK(events == (claim ? std::vector<std::string>{"0 claimed"}
                           : std::vector<std::string>{"lost", "lost"}));
  }
}

TEST_CASE("postgres: spends of one write are told apart in the entries' order") {
  const PgOptions options = Options("spend_order_results");
  auto node = Must(Node(options, "node-a")->Create());
  MustOk(node->replay().InsertSpentHash(Spent("j", "b")).status());
  // "c" twice: the first entry wins it, the second loses; "b" was spent before; "a" is new.
  std::vector<JournalStore::Entry> entries(5);
  const char* hashes[] = {"c", "b", nullptr, "c", "a"};
  for (size_t i = 0; i < entries.size(); ++i) {
    if (hashes[i] != nullptr) entries[i].spend = Spent("j", hashes[i]);
    entries[i].make_append = [i](const AuditTail& tail, bool won) -> Result<AuditAppend> {
      return NextRecord(tail, std::to_string(i) + (won ? " won" : " lost"));
    };
  }
  CHECK(Must(node->journal().WriteJournal(entries, true)) ==
        (std::vector<bool>{true, false, true, false, true}));
  std::vector<std::string> events;
  for (const AuditRow& row : Must(node->audit().ListAuditRows(0, 10, {}))) {
    events.push_back(row.event);
  }
  CHECK(events == (std::vector<std::string>{"0 won", "1 lost", "2 won", "3 lost", "4 won"}));
}

}  // namespace
}  // namespace samp11
