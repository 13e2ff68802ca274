// Shared suite: many threads on one state, through one store or a store each, on every
// implementation (state_test_util.h). Processes: state_sqlite.cc (memory is not shared).
#include <atomic>
#include <thread>

#include "state_test_util.h"

namespace samp11 {
namespace {

using namespace testing;

constexpr int kThreads = 8;

// Runs body(thread index, store) on kThreads threads at once, each on stores[i % stores.size()].
void RunThreads(const std::vector<StateStore*>& stores,
                const std::function<void(int, StateStore&)>& body) {
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      while (!go) std::this_thread::yield();
      body(t, *stores[static_cast<size_t>(t) % stores.size()]);
    });
  }
  go = true;
  for (std::thread& thread : threads) thread.join();
}

template <typename S>
std::vector<std::unique_ptr<StateStore>> Stores(S& states, bool one_each) {
  std::vector<std::unique_ptr<StateStore>> stores;
  stores.push_back(NewStore(states));
  while (one_each && stores.size() < static_cast<size_t>(kThreads)) {
    stores.push_back(OpenStore(states));
  }
  return stores;
}

std::vector<StateStore*> Pointers(const std::vector<std::unique_ptr<StateStore>>& stores) {
  std::vector<StateStore*> out;
  for (const auto& store : stores) out.push_back(store.get());
  return out;
}

TEST_CASE_TEMPLATE("state: threads spending the same hash: exactly one wins", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  for (bool one_each : {false, true}) {
    CAPTURE(one_each);
    S states;
    auto stores = Stores(states, one_each);
    for (int round = 0; round < 10; ++round) {
      std::atomic<int> wins{0}, errors{0};
      RunThreads(Pointers(stores), [&](int, StateStore& store) {
        auto spent = store.replay().InsertSpentHash(Spent("race-" + std::to_string(round), "h"));
        if (!spent.ok()) {
          errors++;
        } else if (*spent) {
          wins++;
        }
      });
      CHECK(errors == 0);
      CHECK(wins == 1);
    }
  }
}

TEST_CASE_TEMPLATE("state: threads journaling the same hash: one spend wins, every record kept", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto stores = Stores(states, true);
  std::atomic<int> wins{0}, errors{0};
  RunThreads(Pointers(stores), [&](int t, StateStore& store) {
    for (int i = 0; i < 5; ++i) {
      std::vector<JournalStore::Entry> entries(1);
      entries[0].spend = Spent("j", "h" + std::to_string(i));
      entries[0].make_append = [t](const AuditTail& tail, bool) -> Result<AuditAppend> {
        return NextRecord(tail, "thread " + std::to_string(t));
      };
      auto won = store.journal().WriteJournal(entries, i % 2 == 0);
      if (!won.ok()) {
        errors++;
      } else if ((*won)[0]) {
        wins++;
      }
    }
  });
  CHECK(errors == 0);
  CHECK(wins == 5);
  std::vector<int64_t> expected(kThreads * 5);
  for (size_t i = 0; i < expected.size(); ++i) expected[i] = static_cast<int64_t>(i) + 1;
  CHECK(AuditSeqs(*stores[0]) == expected);  // one consecutive log
}

TEST_CASE_TEMPLATE("state: threads appending audit records make one consecutive log", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto stores = Stores(states, true);
  std::atomic<int> errors{0};
  RunThreads(Pointers(stores), [&](int, StateStore& store) {
    for (int i = 0; i < 10; ++i) {
      if (!AppendRecord(store, Record("e")).ok()) errors++;
    }
  });
  CHECK(errors == 0);
  CHECK(AuditSeqs(*stores[0]).size() == static_cast<size_t>(kThreads * 10));
  CHECK(Must(stores[0]->audit().GetAuditTail()).head->seq == kThreads * 10);
}

TEST_CASE_TEMPLATE("state: threads taking PIN tries: every try counts, never past max", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto stores = Stores(states, true);
  MustOk(stores[0]->signers().InsertSigner(Signer("alice")));
  MustOk(stores[0]->pins().UpsertSignerPin(Pin("alice")));
  std::atomic<int> taken{0}, errors{0};
  RunThreads(Pointers(stores), [&](int, StateStore& store) {
    for (int i = 0; i < 3; ++i) {
      auto took = store.pins().TakePinTry("alice", 13);
      if (!took.ok()) {
        errors++;
      } else if (*took) {
        taken++;
      }
    }
  });
  CHECK(errors == 0);
  CHECK(taken == 13);
  CHECK(Must(stores[0]->pins().FindSignerPin("alice"))->failures == 13);
}

TEST_CASE_TEMPLATE("state: threads inserting keys: every handle distinct and each id once", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto stores = Stores(states, true);
  MustOk(stores[0]->signers().InsertSigner(Signer("alice")));
  std::atomic<int> inserted{0}, duplicates{0}, errors{0};
  RunThreads(Pointers(stores), [&](int t, StateStore& store) {
    for (int i = 0; i < 10; ++i) {
      // Half the ids are shared by two threads: one of them gets each.
      KeyRow row = Key("id-" + std::to_string(i % 2 == 0 ? t / 2 : t) + "-" + std::to_string(i),
                       "x", "alice");
      Status status = store.keys().InsertKey(row);
      if (status.ok()) {
        inserted++;
      } else if (status.code() == Code::kAlreadyExists) {
        duplicates++;
      } else {
        errors++;
      }
    }
  });
  CHECK(errors == 0);
  CHECK(inserted == kThreads * 10 - kThreads / 2 * 5);
  CHECK(duplicates == kThreads / 2 * 5);
  auto keys = Must(stores[0]->keys().ListKeys(0, 1000));
  CHECK(keys.size() == static_cast<size_t>(inserted.load()));
  for (size_t i = 1; i < keys.size(); ++i) CHECK(keys[i].handle > keys[i - 1].handle);
}

}  // namespace
}  // namespace samp11
