// How SignatureJournal hands entries to its store (signature_journal.h): queued behind a write in
// progress and written as one group when the store makes one transaction per write (SQLite,
// memory); handed straight in, while another thread's write is still running, when the store
// groups syncs itself (the signature journal's files). A store that blocks its first write until
// told stands for a sync in progress.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "keystore/signature_journal.h"

namespace samp11 {
namespace {

class BlockingStore : public JournalStore {
 public:
  explicit BlockingStore(bool groups_syncs) : groups_syncs_(groups_syncs) {}

  Result<std::vector<bool>> WriteJournal(const std::vector<Entry>& entries, bool) override {
    std::unique_lock<std::mutex> lock(mu_);
    const bool first = calls_++ == 0;
    ++inside_;
    max_inside_ = std::max(max_inside_, inside_);
    batches_.push_back(entries.size());
    changed_.notify_all();
    if (first) changed_.wait(lock, [&] { return released_; });
    --inside_;
    return std::vector<bool>(entries.size(), true);
  }
  Result<std::vector<bool>> ClaimSpentHashes(
      const std::vector<SpentHashRow>&,
      const std::function<Result<AuditAppend>(const AuditTail&, size_t)>&) override {
    return Status(Code::kInternal, "not used here");
  }
  bool GroupsSyncsItself() const override { return groups_syncs_; }

  // Waits until the store has seen this many calls, or a while.
  bool WaitForCalls(int calls) {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, std::chrono::seconds(5), [&] { return calls_ >= calls; });
  }
  void ReleaseFirst() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    changed_.notify_all();
  }
  int MaxInside() {
    std::lock_guard<std::mutex> lock(mu_);
    return max_inside_;
  }
  std::vector<size_t> Batches() {
    std::lock_guard<std::mutex> lock(mu_);
    return batches_;
  }

 private:
  const bool groups_syncs_;
  std::mutex mu_;
  std::condition_variable changed_;
  int calls_ = 0;
  int inside_ = 0;
  int max_inside_ = 0;
  bool released_ = false;
  std::vector<size_t> batches_;
};

JournalStore::Entry AnEntry() {
  JournalStore::Entry entry;
  entry.make_append = [](const AuditTail&, bool) -> Result<AuditAppend> { return AuditAppend{}; };
  return entry;
}

std::future<bool> WriteInThread(SignatureJournal& journal) {
  return std::async(std::launch::async, [&journal] {
    Result<bool> won = journal.Write(AnEntry(), /*synced=*/true);
    return won.ok() && *won;
  });
}

TEST_CASE("signature journal: a store that groups syncs itself gets each entry at once") {
  BlockingStore store(/*groups_syncs=*/true);
  SignatureJournal journal(store);
  std::future<bool> first = WriteInThread(journal);
  REQUIRE(store.WaitForCalls(1));  // the first write is in progress (its sync, say)
  std::future<bool> second = WriteInThread(journal);
  // The second entry reaches the store while the first write is still running.
  CHECK(store.WaitForCalls(2));
  CHECK(store.MaxInside() == 2);
  store.ReleaseFirst();
  CHECK(first.get());
  CHECK(second.get());
  CHECK(store.Batches() == std::vector<size_t>{1, 1});
}

TEST_CASE("signature journal: a store of one transaction per write gets queued entries as one") {
  BlockingStore store(/*groups_syncs=*/false);
  SignatureJournal journal(store);
  std::future<bool> first = WriteInThread(journal);
  REQUIRE(store.WaitForCalls(1));
  std::future<bool> second = WriteInThread(journal);
  std::future<bool> third = WriteInThread(journal);
  // Both wait behind the write in progress (given a moment to get there); nothing reaches the
  // store meanwhile, so no two writes are ever in it at once.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  store.ReleaseFirst();
  CHECK(first.get());
  CHECK(second.get());
  CHECK(third.get());
  CHECK(store.MaxInside() == 1);
  // The two that waited went in together, or one after the other if one came late.
  const std::vector<size_t> batches = store.Batches();
  REQUIRE(batches.size() >= 2);
  CHECK(batches.front() == 1);
  size_t total = 0;
  for (size_t b : batches) total += b;
  CHECK(total == 3);
}

}  // namespace
}  // namespace samp11
