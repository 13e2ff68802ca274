#include "keystore/signature_journal.h"

#include <utility>
#include <vector>

namespace samp11 {

Result<bool> SignatureJournal::Write(JournalStore::Entry entry, bool synced) {
  if (store_.GroupsSyncsItself()) {
    std::vector<JournalStore::Entry> entries;
    entries.push_back(std::move(entry));
    Result<std::vector<bool>> written = store_.WriteJournal(entries, synced);
    if (!written.ok()) return written.status();
    if (written->size() != 1) return Status(Code::kInternal, "the journal lost track of its entry");
    return static_cast<bool>(written->front());
  }
  Pending mine{std::move(entry), synced, std::nullopt};
  std::unique_lock<std::mutex> lock(mu_);
  queue_.push_back(&mine);
  while (!mine.result) {
    if (writing_) {
      written_.wait(lock);
      continue;
    }
    // This thread writes everything queued now, oldest first; if its own entry did not fit in
    // the batch, it goes round again.
    writing_ = true;
    std::vector<Pending*> batch;
    while (!queue_.empty() && batch.size() < kMaxBatch) {
      batch.push_back(queue_.front());
      queue_.pop_front();
    }
    lock.unlock();
    std::vector<JournalStore::Entry> entries;
    entries.reserve(batch.size());
    bool sync = false;
    for (Pending* pending : batch) {
      entries.push_back(std::move(pending->entry));
      sync = sync || pending->synced;
    }
    Result<std::vector<bool>> written = store_.WriteJournal(entries, sync);
    lock.lock();
    for (size_t i = 0; i < batch.size(); ++i) {
      if (!written.ok()) {
        batch[i]->result = written.status();
      } else if (written->size() != batch.size()) {
        batch[i]->result = Status(Code::kInternal, "the journal lost track of its entries");
      } else {
        batch[i]->result = Result<bool>(static_cast<bool>((*written)[i]));
      }
    }
    writing_ = false;
    written_.notify_all();
  }
  return std::move(*mine.result);
}

}  // namespace samp11
