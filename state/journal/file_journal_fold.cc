// Folding the signature journal into the token's state (file_journal.h): one segment at a time,
// each record checked to continue the state's audit log exactly; everything at open, close and
// before whole-log work; closed segments in the background.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "common/log.h"
#include "state/journal/file_journal.h"
#include "state/journal/journal_tail.h"

namespace samp11 {
namespace {

// Records folded into the token's state per transaction.
constexpr size_t kFoldBatch = 512;

}  // namespace

Status FileJournal::FoldSegment(int64_t generation) {
  const std::string path = JournalSegmentPath(token_path_, generation);
  const int raw = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (raw < 0) {
    if (errno == ENOENT) return Status::Ok();  // folded by another process
    return Status(Code::kStorage, "cannot open " + path);
  }
  JournalFd fd(raw);
  SAMP11_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadJournalFrom(raw, path, 0));
  DecodedFrame first = DecodeJournalFrame(bytes.data(), bytes.size());
  if (first.read == FrameRead::kShort) return Status::Ok();  // a header never finished
  if (first.read != FrameRead::kWhole || !first.header) {
    return Status(Code::kTampered, path + " does not begin with a journal header");
  }
  SAMP11_RETURN_IF_ERROR(CheckHeader(path, *first.header, generation));
  std::vector<JournalRecord> records;
  size_t pos = first.size;
  while (pos < bytes.size()) {
    DecodedFrame frame = DecodeJournalFrame(bytes.data() + pos, bytes.size() - pos);
    if (frame.read != FrameRead::kWhole || !frame.record) {
      return Status(Code::kTampered, "journal segment " +
                                         JournalAt(path, static_cast<int64_t>(pos)) +
                                         ": a damaged or torn record");
    }
    records.push_back(std::move(*frame.record));
    pos += frame.size;
  }
  if (records.empty()) return Status::Ok();

  SAMP11_ASSIGN_OR_RETURN(AuditTail state_tail, folds_into().audit().GetAuditTail());
  const int64_t have = HeadSeq(state_tail);
  std::optional<AuditHeadRow> before = first.header->base.head;
  std::vector<JournalStore::Entry> batch;
  int64_t folded = 0;
  auto flush = [&](bool last) -> Status {
    if (batch.empty()) return Status::Ok();
    SAMP11_RETURN_IF_ERROR(folds_into().journal().WriteJournal(batch, /*synced=*/last).status());
    folded += static_cast<int64_t>(batch.size());
    batch.clear();
    return Status::Ok();
  };
  for (size_t i = 0; i < records.size(); ++i) {
    JournalRecord& record = records[i];
    const int64_t seq = record.append.row.seq;
    const int64_t due = (before ? before->seq : 0) + 1;
    if (seq != due) {
      return Status(Code::kTampered, "journal segment " + path + ": record " + std::to_string(seq) +
                                         " where " + std::to_string(due) +
                                         " was due (a record removed, moved or added)");
    }
    // The token's state must end exactly where this record continues the log.
    auto check = [path, before,
                  append = record.append](const AuditTail& tail) -> Result<AuditAppend> {
      const bool continues = HeadSeq(tail) == append.row.seq - 1 &&
                             (!before || (tail.head && tail.head->chain == before->chain));
      if (!continues) {
        return Status(Code::kTampered, "the token's audit log does not end where journal segment " +
                                           path + " continues it (record " +
                                           std::to_string(append.row.seq) + ")");
      }
      return append;
    };
    before = record.append.head;
    if (seq <= have) continue;  // folded before
    if (record.spends.size() > 1) {
      SAMP11_RETURN_IF_ERROR(flush(false));
      SAMP11_RETURN_IF_ERROR(
          folds_into()
              .journal()
              .ClaimSpentHashes(record.spends,
                                [&check](const AuditTail& tail, size_t) { return check(tail); })
              .status());
      ++folded;
      continue;
    }
    JournalStore::Entry entry;
    if (!record.spends.empty()) entry.spend = std::move(record.spends.front());
    entry.make_append = [check](const AuditTail& tail, bool) { return check(tail); };
    batch.push_back(std::move(entry));
    if (batch.size() >= kFoldBatch) SAMP11_RETURN_IF_ERROR(flush(false));
  }
  SAMP11_RETURN_IF_ERROR(flush(true));
  folded_records_ += folded;
  return Status::Ok();
}

Status FileJournal::FoldAllLocked() {
  std::lock_guard<std::mutex> fold(fold_mu_);
  const std::string fold_path = JournalFoldLockPath(token_path_);
  SAMP11_RETURN_IF_ERROR(LockJournalFile(fold_lock_->get(), fold_path));
  struct Unlock {
    int fd;
    ~Unlock() { UnlockJournalFile(fd); }
  } unlock{fold_lock_->get()};
  SAMP11_RETURN_IF_ERROR(CatchUp());  // cuts a torn end of the current segment
  SAMP11_ASSIGN_OR_RETURN(std::vector<int64_t> generations, ListJournalSegments(token_path_));
  if (generations.empty()) return Status::Ok();
  for (int64_t generation : generations) SAMP11_RETURN_IF_ERROR(FoldSegment(generation));
  // Everything is in the token's state (synced): the segments go, the next generation starts
  // without a file, and its first append continues from the state's tail.
  for (int64_t generation : generations) {
    ::unlink(JournalSegmentPath(token_path_, generation).c_str());
  }
  SAMP11_RETURN_IF_ERROR(SyncJournalFolder(token_path_));
  const int64_t next = std::max(segment_.generation, generations.back()) + 1;
  SAMP11_RETURN_IF_ERROR(
      WriteJournalControl(control_->get(), JournalControlPath(token_path_), next));
  segment_ = Segment{};
  segment_.generation = next;
  tail_known_ = false;
  spent_.clear();
  return Status::Ok();
}

Status FileJournal::CountRewrite(const std::string& control_path) {
  // The generation first, so that the file is whole (a new token's may still be empty).
  SAMP11_RETURN_IF_ERROR(WriteJournalControl(control_->get(), control_path, segment_.generation));
  SAMP11_ASSIGN_OR_RETURN(int64_t rewrites, ReadJournalRewrites(control_->get(), control_path));
  SAMP11_RETURN_IF_ERROR(WriteJournalRewrites(control_->get(), control_path, rewrites + 1));
  rewrites_seen_ = rewrites + 1;
  return Status::Ok();
}

Status FileJournal::FoldAll() {
  return FoldAllThen([] { return Status::Ok(); });
}

Status FileJournal::FoldAllThen(const std::function<Status()>& change, bool rewrites_log) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string control_path = JournalControlPath(token_path_);
  SAMP11_RETURN_IF_ERROR(LockJournalFile(control_->get(), control_path));
  Status done = FoldAllLocked();
  if (done.ok()) {
    std::lock_guard<std::mutex> damage(damage_mu_);
    damage_ = Status::Ok();
  }
  NoteDamage(done);
  if (done.ok()) done = change();
  if (done.ok() && rewrites_log) {
    // Counted whether or not the change wrote anything: a count moved for nothing only makes
    // the others read their tail afresh. The change is made: a count that cannot be written
    // fails closed (the others see a gap and refuse to sign until the journal verifies), and
    // is logged rather than undoing it.
    Status counted = CountRewrite(control_path);
    if (!counted.ok()) {
      SAMP11_LOG(kWarn,
                 "the audit log was rewritten but the journal's rewrite count could not "
                 "be moved; other processes on the token refuse to sign until it "
                 "is reopened: "
                     << counted.message());
    }
  }
  UnlockJournalFile(control_->get());
  return done;
}

void FileJournal::WakeFolder() {
  std::lock_guard<std::mutex> lock(folder_mu_);
  if (folder_stop_) return;
  folder_requested_ = true;
  // Started at the first rotation: a process that never fills a segment has no extra thread.
  if (!folder_.joinable()) folder_ = std::thread([this] { FolderLoop(); });
  folder_wake_.notify_all();
}

void FileJournal::FolderLoop() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(folder_mu_);
      folder_wake_.wait(lock, [this] { return folder_requested_ || folder_stop_; });
      if (folder_stop_) return;
      folder_requested_ = false;
    }
    // Closed segments only (below the current generation): nobody appends to them, so no
    // signer waits for this.
    std::lock_guard<std::mutex> fold(fold_mu_);
    const std::string fold_path = JournalFoldLockPath(token_path_);
    if (!LockJournalFile(fold_lock_->get(), fold_path).ok()) continue;
    Result<int64_t> current = ReadJournalControl(control_->get(), JournalControlPath(token_path_));
    Result<std::vector<int64_t>> generations = ListJournalSegments(token_path_);
    if (current.ok() && generations.ok()) {
      for (int64_t generation : *generations) {
        if (generation >= *current) break;
        Status folded = FoldSegment(generation);
        if (!folded.ok()) {
          SAMP11_LOG(kError, "the signature journal could not be folded: " << folded.message());
          NoteDamage(folded);
          break;
        }
        ::unlink(JournalSegmentPath(token_path_, generation).c_str());
      }
      (void)SyncJournalFolder(token_path_);
    }
    UnlockJournalFile(fold_lock_->get());
  }
}

}  // namespace samp11
