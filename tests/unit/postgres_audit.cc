// The PostgreSQL audit log as nodes share it: each node appends its own chain (node, seq), nodes
// that share a name (processes of one node) append one consecutive chain, and a node waits for
// its own appends only. The contract every state keeps is the shared suite's
// (state_audit_journal.cc).
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "state_test_util.h"

namespace samp11 {
namespace {

using namespace testing;

// A database per case, and the state's location in it as one node.
struct Nodes {
  std::string conninfo;
  explicit Nodes(const std::string& database) {
    MustOk(SharedPgCluster().CreateDatabase(database));
    conninfo = SharedPgCluster().ConnInfo(database);
  }
  std::unique_ptr<StateLocation> As(const std::string& node, int timeout_seconds = 5) const {
    PgStateConfig config;
    config.options.conninfo = conninfo;
    config.options.schema = "token";
    config.options.timeout_seconds = timeout_seconds;
    config.node = node;
    return PgStateLocation(config);
  }
};

std::vector<JournalStore::Entry> SpendEntry(const std::string& hash, const std::string& event) {
  std::vector<JournalStore::Entry> entries(1);
  entries[0].spend = Spent("j", hash);
  entries[0].make_append = [event](const AuditTail& tail, bool won) -> Result<AuditAppend> {
    return NextRecord(tail, event + (won ? " won" : " lost"));
  };
  return entries;
}

std::vector<int64_t> Range(int64_t from, int64_t to) {
  std::vector<int64_t> seqs;
  for (int64_t s = from; s <= to; ++s) seqs.push_back(s);
  return seqs;
}

TEST_CASE("postgres: each node appends and reads its own chain; the ledger is shared") {
  Nodes nodes("audit_own_chains");
  auto a = Must(nodes.As("node-a")->Create());
  auto b = Must(nodes.As("node-b")->Open());
  for (int i = 0; i < 3; ++i) MustOk(AppendRecord(*a, Record("a")));
  MustOk(AppendRecord(*b, Record("b")));
  CHECK(AuditSeqs(*a) == Range(1, 3));
  CHECK(AuditSeqs(*b) == Range(1, 1));
  AuditTail tail = Must(b->audit().GetAuditTail());
  REQUIRE(tail.last_row);
  CHECK(tail.last_row->event == "b");
  REQUIRE(tail.head);
  CHECK(tail.head->seq == 1);
  AuditRowFilter filter;
  filter.event = "a";
  CHECK(Must(b->audit().ListAuditRows(0, 10, filter)).empty());

  // One hash, spent by one node only; each records what came of it in its own chain.
  CHECK(Must(a->journal().WriteJournal(SpendEntry("h", "a"), true)) == std::vector<bool>{true});
  CHECK(Must(b->journal().WriteJournal(SpendEntry("h", "b"), false)) == std::vector<bool>{false});
  CHECK(Must(a->audit().ListAuditRows(3, 10, {}))[0].event == "a won");
  CHECK(Must(b->audit().ListAuditRows(1, 10, {}))[0].event == "b lost");
  CHECK(Must(b->audit().GetAuditTail()).head->seq == 2);
}

TEST_CASE("postgres: processes sharing a node name append one chain; another node its own") {
  Nodes nodes("audit_shared_name");
  Must(nodes.As("shared")->Create()).reset();  // nothing connected across the fork
  constexpr int kProcesses = 3, kThreads = 4, kRecords = 10;
  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      std::atomic<int> failed{0};
      std::vector<std::thread> threads;
      for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
          // The last thread of the first process is another node, appending meanwhile.
          const bool other = p == 0 && t == kThreads - 1;
          auto store = nodes.As(other ? "other" : "shared")->Open();
          if (!store.ok()) {
            failed += kRecords;
            return;
          }
          for (int i = 0; i < kRecords; ++i) {
            // Every thread spends the same hashes: one spend wins each, every record is kept.
            auto won = (*store)->journal().WriteJournal(SpendEntry("h" + std::to_string(i), "t"),
                                                        /*synced=*/i % 2 == 0);
            if (!won.ok()) ++failed;
          }
        });
      }
      for (std::thread& thread : threads) thread.join();
      ::_exit(failed == 0 ? 0 : 1);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  }
  auto shared = Must(nodes.As("shared")->Open());
  auto other = Must(nodes.As("other")->Open());
  const int64_t shared_records = (kProcesses * kThreads - 1) * kRecords;
  CHECK(AuditSeqs(*shared) == Range(1, shared_records));
  CHECK(Must(shared->audit().GetAuditTail()).head->seq == shared_records);
  CHECK(AuditSeqs(*other) == Range(1, kRecords));
  int won = 0;
  for (auto* store : {shared.get(), other.get()}) {
    for (const AuditRow& row : Must(store->audit().ListAuditRows(0, 1000, {}))) {
      won += row.event == "t won" ? 1 : 0;
    }
  }
  CHECK(won == kRecords);
}

TEST_CASE("postgres: a node's appends wait for that node's lock only") {
  Nodes nodes("audit_node_lock");
  auto a = Must(nodes.As("node-a", /*timeout_seconds=*/1)->Create());
  auto b = Must(nodes.As("node-b", 1)->Open());
  PgOptions options;
  options.conninfo = nodes.conninfo;
  auto holder = Must(PgConnection::Connect(options));
  {
    auto lock = holder->Lock();
    auto tx = Must(PgTransaction::Begin(*holder));
    // What another process of node-a holds while it appends.
    MustOk(
        holder
            ->Exec("test", "SELECT pg_advisory_xact_lock(hashtext($1))", PgParams().Text("node-a"))
            .status());
    MustOk(AppendRecord(*b, Record("b")));
    // node-a waits, until its statement's time is up: nothing written, nothing spent.
    Result<std::vector<bool>> waited = a->journal().WriteJournal(SpendEntry("h", "a"), true);
    CHECK(waited.status().code() == Code::kStorage);
    CHECK(AuditSeqs(*a).empty());
    CHECK_FALSE(Must(b->replay().IsHashSpent("kid-1", "j", ToBytes("h"))));
  }  // rolled back: the lock is free
  CHECK(Must(a->journal().WriteJournal(SpendEntry("h", "a"), true)) == std::vector<bool>{true});
  CHECK(AuditSeqs(*a) == Range(1, 1));
}

}  // namespace
}  // namespace samp11
