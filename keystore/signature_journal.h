// Group commit of the records a signature leaves: a thread hands in its entry (a spent hash and
// the audit record of what came of it) and waits; whichever thread finds no write in progress
// writes every entry queued so far in one transaction, with one sync for all. One thread alone
// pays one durable write per signature, as before; threads that sign at once share it.
//
// A store that groups syncs itself (JournalStore::GroupsSyncsItself: the signature journal's
// files) takes each entry at once instead: there an append is short and a thread that waits for a
// sync waits only for one that covers its entry, so a second thread appends while the first one's
// sync runs rather than queueing behind it. Measured with 2 threads of single-SAD signatures, each
// with its own flush either way: 2 threads / 1 thread went from about 1.15 to about 1.5
// (docs/performance.md).
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

#include "common/status.h"
#include "state/journal_store.h"

namespace samp11 {

class SignatureJournal {
 public:
  explicit SignatureJournal(JournalStore& store) : store_(store) {}
  SignatureJournal(const SignatureJournal&) = delete;
  SignatureJournal& operator=(const SignatureJournal&) = delete;

  // Returns once entry is committed (and synced when synced, or when any entry written with it
  // is): whether its spend won. A failed write fails every entry that was in it.
  Result<bool> Write(JournalStore::Entry entry, bool synced);

 private:
  struct Pending {
    JournalStore::Entry entry;
    bool synced = true;
    std::optional<Result<bool>> result;
  };

  // At most this many entries go into one transaction, so no waiter waits on an unbounded one.
  static constexpr size_t kMaxBatch = 256;

  JournalStore& store_;
  std::mutex mu_;
  std::condition_variable written_;
  std::deque<Pending*> queue_;
  bool writing_ = false;
};

}  // namespace samp11
