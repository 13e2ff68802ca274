// The signature journal (file_journal.h): catching up, deciding and appending under the control
// file's lock; syncing after it; rotating full segments. Folding is file_journal_fold.cc.
#include "state/journal/file_journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <limits>
#include <unordered_set>
#include <utility>

#include "common/log.h"
#include "state/journal/journal_tail.h"

namespace samp11 {
namespace {

constexpr char kMetaIdentity[] = "identity";

std::string SpendKey(std::string_view kid, std::string_view jti, const Bytes& hash) {
  std::string key;
  key.reserve(kid.size() + jti.size() + hash.size() + 16);
  key += std::to_string(kid.size()) + ':';
  key += kid;
  key += std::to_string(jti.size()) + ':';
  key += jti;
  key.append(reinterpret_cast<const char*>(hash.data()), hash.size());
  return key;
}

// Whether a whole record frame starts anywhere in bytes[from..): damage followed by records is
// an edit, not a crash's torn end.
bool WholeFrameAfter(const std::vector<uint8_t>& bytes, size_t from) {
  for (size_t p = from; p + kJournalFrameOverhead <= bytes.size(); ++p) {
    if (bytes[p] != 'S') continue;
    if (DecodeJournalFrame(bytes.data() + p, bytes.size() - p).read == FrameRead::kWhole) {
      return true;
    }
  }
  return false;
}

}  // namespace

struct FileJournal::Staged {
  const std::vector<JournalStore::Entry>* entries = nullptr;
  const std::vector<SpentHashRow>* claim_rows = nullptr;
  const std::function<Result<AuditAppend>(const AuditTail&, size_t)>* claim_append = nullptr;
  std::vector<bool> won;
};

FileJournal::FileJournal(std::string token_path, StateStore& inner, int64_t segment_bytes,
                         std::unique_ptr<StateStore> fold_into)
    : token_path_(std::move(token_path)),
      inner_(inner),
      fold_store_(std::move(fold_into)),
      segment_bytes_(segment_bytes) {}

Result<std::unique_ptr<FileJournal>> FileJournal::Open(const std::string& token_path,
                                                       StateStore& inner, int64_t segment_bytes,
                                                       std::unique_ptr<StateStore> fold_into) {
  std::unique_ptr<FileJournal> journal(
      new FileJournal(token_path, inner, segment_bytes, std::move(fold_into)));
  SAMP11_RETURN_IF_ERROR(journal->Start());
  return journal;
}

Status FileJournal::Start() {
  const std::string control_path = JournalControlPath(token_path_);
  SAMP11_ASSIGN_OR_RETURN(int control, OpenJournalFile(control_path, /*create=*/true));
  control_ = std::make_shared<JournalFd>(control);
  SAMP11_ASSIGN_OR_RETURN(int fold, OpenJournalFile(JournalFoldLockPath(token_path_), true));
  fold_lock_ = std::make_shared<JournalFd>(fold);
  {
    std::lock_guard<std::mutex> lock(mu_);
    SAMP11_RETURN_IF_ERROR(LockJournalFile(control_->get(), control_path));
    Result<int64_t> current = ReadJournalControl(control_->get(), control_path);
    Result<int64_t> rewrites = ReadJournalRewrites(control_->get(), control_path);
    UnlockJournalFile(control_->get());
    if (!current.ok()) return current.status();
    if (!rewrites.ok()) return rewrites.status();
    segment_.generation = *current;
    rewrites_seen_ = *rewrites;
  }
  // A damaged journal does not keep the token from opening: `samp11 audit verify` must be able
  // to name the damage, and every signature is refused meanwhile (Damage()).
  Status folded = FoldAll();
  if (!folded.ok() && folded.code() != Code::kTampered) return folded;
  return Status::Ok();
}

Status FileJournal::Damage() const {
  std::lock_guard<std::mutex> lock(damage_mu_);
  return damage_;
}

void FileJournal::NoteDamage(const Status& status) {
  if (status.code() != Code::kTampered) return;
  std::lock_guard<std::mutex> lock(damage_mu_);
  if (damage_.ok()) {
    SAMP11_LOG(kError,
               "the signature journal is damaged; no signature is made until `samp11 "
               "audit verify` passes: "
                   << status.message());
  }
  damage_ = status;
}

FileJournal::~FileJournal() {
  {
    std::lock_guard<std::mutex> lock(folder_mu_);
    folder_stop_ = true;
  }
  folder_wake_.notify_all();
  if (folder_.joinable()) folder_.join();
  if (control_ == nullptr || fold_lock_ == nullptr) return;  // Start failed
  Status folded = FoldAll();
  if (!folded.ok()) {
    SAMP11_LOG(kWarn,
               "the signature journal was not folded at close (the next process to open "
               "the token folds it): "
                   << folded.message());
  }
}

Status FileJournal::RemoveLeftovers(const std::string& token_path) {
  SAMP11_ASSIGN_OR_RETURN(std::vector<int64_t> generations, ListJournalSegments(token_path));
  for (int64_t generation : generations) {
    ::unlink(JournalSegmentPath(token_path, generation).c_str());
  }
  ::unlink(JournalControlPath(token_path).c_str());
  ::unlink(JournalFoldLockPath(token_path).c_str());
  return Status::Ok();
}

Status FileJournal::MoveAside(const std::string& token_path, const std::string& aside_path) {
  SAMP11_ASSIGN_OR_RETURN(std::vector<int64_t> generations, ListJournalSegments(token_path));
  for (int64_t generation : generations) {
    const std::string from = JournalSegmentPath(token_path, generation);
    if (std::rename(from.c_str(), JournalSegmentPath(aside_path, generation).c_str()) != 0) {
      return Status(Code::kStorage, "cannot move " + from + " aside");
    }
  }
  ::unlink(JournalControlPath(token_path).c_str());
  ::unlink(JournalFoldLockPath(token_path).c_str());
  return Status::Ok();
}

Result<std::string> FileJournal::Identity() {
  std::lock_guard<std::mutex> lock(identity_mu_);
  if (identity_.empty()) {
    SAMP11_ASSIGN_OR_RETURN(std::optional<std::string> identity,
                            inner_.meta().GetMeta(kMetaIdentity));
    // A state with no identity (the state suites' bare stores) has segments without one.
    if (!identity) return std::string();
    identity_ = *identity;
  }
  return identity_;
}

Status FileJournal::CheckHeader(const std::string& path, const JournalHeader& header,
                                int64_t generation) {
  SAMP11_ASSIGN_OR_RETURN(std::string identity, Identity());
  if (header.identity != identity) {
    return Status(Code::kTampered, path + " belongs to another token");
  }
  if (header.generation != generation) {
    return Status(Code::kTampered,
                  path + " says it is segment " + std::to_string(header.generation));
  }
  return Status::Ok();
}

int64_t FileJournal::folded_records() const {
  std::lock_guard<std::mutex> lock(fold_mu_);
  return folded_records_;
}

// ---- reading what other processes appended ----

Status FileJournal::CatchUp() {
  const std::string control_path = JournalControlPath(token_path_);
  SAMP11_ASSIGN_OR_RETURN(int64_t current, ReadJournalControl(control_->get(), control_path));
  if (current < segment_.generation) {
    return Status(Code::kTampered, control_path + " went back from segment " +
                                       std::to_string(segment_.generation) + " to " +
                                       std::to_string(current));
  }
  SAMP11_ASSIGN_OR_RETURN(int64_t rewrites, ReadJournalRewrites(control_->get(), control_path));
  if (rewrites != rewrites_seen_) {
    // Another process rewrote the audit log (a restore, a master-key rotation) after folding
    // every segment, this one's included: the tail this process last read is not the log's any
    // more, and what it knew unfolded is in the state now. The segments made since continue the
    // rewritten log: the first one found gives the tail (or the state, if there is none yet).
    rewrites_seen_ = rewrites;
    const int64_t next = std::min(segment_.generation + 1, current);
    segment_ = Segment{};
    segment_.generation = next;
    tail_known_ = false;
    spent_.clear();
  }
  const int64_t started_at = segment_.generation;
  for (;;) {
    if (segment_.fd == nullptr) {
      bool exists = false;
      SAMP11_RETURN_IF_ERROR(OpenSegment(segment_.generation, &exists));
      // A segment that is gone was folded: what it held is in the token's state, and the tail
      // comes from the next segment's header (or from the state, for a segment yet to be made).
      if (!exists) tail_known_ = false;
    }
    if (segment_.fd != nullptr) {
      SAMP11_RETURN_IF_ERROR(ReadNew(/*current=*/segment_.generation == current));
    }
    if (segment_.generation >= current) break;
    const int64_t next = segment_.generation + 1;
    segment_ = Segment{};
    segment_.generation = next;
  }
  if (segment_.generation != started_at) {
    // Spends of segments folded since are in the token's state now.
    Result<std::vector<int64_t>> existing = ListJournalSegments(token_path_);
    if (existing.ok()) {
      const int64_t oldest =
          existing->empty() ? std::numeric_limits<int64_t>::max() : existing->front();
      for (auto it = spent_.begin(); it != spent_.end();) {
        it = it->second < oldest ? spent_.erase(it) : std::next(it);
      }
    }
  }
  return Status::Ok();
}

Status FileJournal::OpenSegment(int64_t generation, bool* exists) {
  *exists = false;
  const std::string path = JournalSegmentPath(token_path_, generation);
  const int fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::Ok();
    return Status(Code::kStorage, "cannot open " + path);
  }
  auto holder = std::make_shared<JournalFd>(fd);
  SAMP11_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadJournalFrom(fd, path, 0));
  DecodedFrame frame = DecodeJournalFrame(bytes.data(), bytes.size());
  if (frame.read == FrameRead::kShort) {
    // Made by a process that died before its header was whole: nothing was ever appended to
    // it (appends follow a synced header), so it is made again when needed.
    ::unlink(path.c_str());
    return Status::Ok();
  }
  if (frame.read != FrameRead::kWhole || !frame.header) {
    return Status(Code::kTampered, path + " does not begin with a journal header");
  }
  SAMP11_RETURN_IF_ERROR(CheckHeader(path, *frame.header, generation));
  if (tail_known_ && !SameHead(tail_, frame.header->base)) {
    return Status(Code::kTampered,
                  path + " does not continue the segment before it (records missing between)");
  }
  tail_ = frame.header->base;
  tail_known_ = true;
  segment_.fd = std::move(holder);
  segment_.path = path;
  segment_.end = static_cast<int64_t>(frame.size);
  *exists = true;
  return Status::Ok();
}

Status FileJournal::ReadNew(bool current) {
  SAMP11_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes,
                          ReadJournalFrom(segment_.fd->get(), segment_.path, segment_.end));
  size_t pos = 0;
  // The records taken in are kept even when a later one fails: the next look starts after them.
  struct Advance {
    Segment& segment;
    const size_t& pos;
    ~Advance() { segment.end += static_cast<int64_t>(pos); }
  } advance{segment_, pos};
  while (pos < bytes.size()) {
    DecodedFrame frame = DecodeJournalFrame(bytes.data() + pos, bytes.size() - pos);
    const int64_t offset = segment_.end + static_cast<int64_t>(pos);
    if (frame.read == FrameRead::kWhole && frame.record) {
      const int64_t seq = frame.record->append.row.seq;
      if (seq != HeadSeq(tail_) + 1) {
        return Status(Code::kTampered, "journal segment " + JournalAt(segment_.path, offset) +
                                           ": record " + std::to_string(seq) + " where " +
                                           std::to_string(HeadSeq(tail_) + 1) +
                                           " was due (a record removed, moved or added)");
      }
      for (const SpentHashRow& spend : frame.record->spends) {
        spent_[SpendKey(spend.kid, spend.jti, spend.hash)] = segment_.generation;
      }
      tail_.last_row = std::move(frame.record->append.row);
      tail_.head = std::move(frame.record->append.head);
      pos += frame.size;
      continue;
    }
    if (frame.read == FrameRead::kWhole || !current || WholeFrameAfter(bytes, pos + 1)) {
      return Status(Code::kTampered, "journal segment " + JournalAt(segment_.path, offset) +
                                         ": a damaged record (edited, or not a journal record)");
    }
    // The end of the current segment, torn by a crash or a power loss mid-append: its writer
    // never returned, so no signature left on it. Cut, so that appends follow whole records.
    SAMP11_LOG(kWarn, "journal segment " << JournalAt(segment_.path, offset) << ": "
                                         << (bytes.size() - pos)
                                         << " bytes of a record torn by a crash, cut");
    if (::ftruncate(segment_.fd->get(), offset) != 0) {
      return Status(Code::kStorage, "cannot cut the torn end of " + segment_.path);
    }
    break;
  }
  return Status::Ok();
}

// ---- appending ----

Status FileJournal::CreateSegment(int64_t generation, const AuditTail& base) {
  SAMP11_ASSIGN_OR_RETURN(std::string identity, Identity());
  const std::string path = JournalSegmentPath(token_path_, generation);
  // O_TRUNC: a segment of this generation can only be a header left by a rotation that died
  // before the control file named it; nothing was appended to it.
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return Status(Code::kStorage, "cannot create " + path);
  auto holder = std::make_shared<JournalFd>(fd);
  JournalHeader header;
  header.identity = identity;
  header.generation = generation;
  header.base = base;
  const Bytes bytes = EncodeJournalHeader(header);
  SAMP11_RETURN_IF_ERROR(AppendJournalBytes(fd, path, 0, bytes));
  SAMP11_RETURN_IF_ERROR(SyncJournalFile(fd, path));
  SAMP11_RETURN_IF_ERROR(SyncJournalFolder(token_path_));
  segment_.generation = generation;
  segment_.path = path;
  segment_.fd = std::move(holder);
  segment_.end = static_cast<int64_t>(bytes.size());
  tail_ = base;
  tail_known_ = true;
  return Status::Ok();
}

Result<bool> FileJournal::SpentSomewhere(const std::string& key, const SpentHashRow& row) {
  if (spent_.count(key) != 0) return true;
  return inner_.replay().IsHashSpent(row.kid, row.jti, row.hash);
}

Status FileJournal::DecideAndAppend(Staged& staged, std::shared_ptr<JournalFd>* written_fd,
                                    int64_t* written_end) {
  if (segment_.fd == nullptr) {
    // No segment yet in this generation: every older one is folded (a generation without a
    // file is only ever left by a fold of everything), so the token's state has the tail.
    SAMP11_ASSIGN_OR_RETURN(AuditTail base, inner_.audit().GetAuditTail());
    SAMP11_RETURN_IF_ERROR(CreateSegment(segment_.generation, base));
  }
  AuditTail tail = tail_;
  std::vector<uint8_t> bytes;
  std::unordered_set<std::string> won_keys;
  auto decide = [&](const SpentHashRow& row, JournalRecord& record) -> Result<bool> {
    std::string key = SpendKey(row.kid, row.jti, row.hash);
    if (won_keys.count(key) != 0) return false;
    SAMP11_ASSIGN_OR_RETURN(bool spent, SpentSomewhere(key, row));
    if (spent) return false;
    won_keys.insert(std::move(key));
    record.spends.push_back(row);
    return true;
  };
  auto add = [&](JournalRecord& record) -> Status {
    // What the state beneath refuses (a seq taken or skipped) is refused here too, before
    // anything is written: a fold must never meet it.
    if (record.append.row.seq != HeadSeq(tail) + 1 ||
        record.append.head.seq != record.append.row.seq) {
      return Status(Code::kTampered, "an audit record numbered " +
                                         std::to_string(record.append.row.seq) + " where " +
                                         std::to_string(HeadSeq(tail) + 1) + " was due");
    }
    tail.last_row = record.append.row;
    tail.head = record.append.head;
    const Bytes frame = EncodeJournalRecord(record);
    bytes.insert(bytes.end(), frame.begin(), frame.end());
    return Status::Ok();
  };
  if (staged.entries != nullptr) {
    for (const JournalStore::Entry& entry : *staged.entries) {
      JournalRecord record;
      bool won = true;
      if (entry.spend) {
        SAMP11_ASSIGN_OR_RETURN(won, decide(*entry.spend, record));
      }
      SAMP11_ASSIGN_OR_RETURN(record.append, entry.make_append(tail, won));
      SAMP11_RETURN_IF_ERROR(add(record));
      staged.won.push_back(won);
    }
  } else {
    JournalRecord record;
    size_t claimed = 0;
    for (const SpentHashRow& row : *staged.claim_rows) {
      SAMP11_ASSIGN_OR_RETURN(bool won, decide(row, record));
      staged.won.push_back(won);
      claimed += won ? 1 : 0;
    }
    SAMP11_ASSIGN_OR_RETURN(record.append, (*staged.claim_append)(tail, claimed));
    SAMP11_RETURN_IF_ERROR(add(record));
  }
  SAMP11_RETURN_IF_ERROR(
      AppendJournalBytes(segment_.fd->get(), segment_.path, segment_.end, bytes));
  segment_.end += static_cast<int64_t>(bytes.size());
  segment_.fd->appended_end.store(segment_.end);
  tail_ = std::move(tail);
  for (const std::string& key : won_keys) spent_[key] = segment_.generation;
  *written_fd = segment_.fd;
  *written_end = segment_.end;
  Status rotated = RotateIfFull();
  if (!rotated.ok()) {
    // The records are written; the next append tries again.
    SAMP11_LOG(kWarn, "the signature journal could not start a new segment: " << rotated.message());
  }
  return Status::Ok();
}

Status FileJournal::RotateIfFull() {
  if (segment_.end < segment_bytes_) return Status::Ok();
  // A closed segment is whole on disk before anything follows it: a synced record of the next
  // segment then implies every record before it.
  SAMP11_RETURN_IF_ERROR(SyncJournalFile(segment_.fd->get(), segment_.path));
  Segment closed = segment_;
  const AuditTail tail = tail_;
  Status created = CreateSegment(closed.generation + 1, tail);
  if (created.ok()) {
    created = WriteJournalControl(control_->get(), JournalControlPath(token_path_),
                                  closed.generation + 1);
  }
  if (!created.ok()) {
    segment_ = std::move(closed);  // other processes still append to it
    tail_ = tail;
    return created;
  }
  WakeFolder();
  return Status::Ok();
}

Status FileJournal::AppendAndSync(Staged& staged, bool synced) {
  SAMP11_RETURN_IF_ERROR(Damage());
  std::shared_ptr<JournalFd> fd;
  int64_t end = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    SAMP11_RETURN_IF_ERROR(LockJournalFile(control_->get(), JournalControlPath(token_path_)));
    Status appended = CatchUp();
    NoteDamage(appended);
    if (appended.ok()) appended = DecideAndAppend(staged, &fd, &end);
    UnlockJournalFile(control_->get());
    if (!appended.ok()) return appended;
  }
  if (!synced) return Status::Ok();
  return SyncUpTo(fd, end);
}

Status FileJournal::SyncUpTo(const std::shared_ptr<JournalFd>& fd, int64_t end) {
  std::unique_lock<std::mutex> lock(sync_mu_);
  for (;;) {
    if (synced_fd_ == fd && synced_end_ >= end) return Status::Ok();
    if (!syncing_) break;
    sync_done_.wait(lock);
  }
  // This thread syncs for every append made so far, its own and those of threads now waiting.
  syncing_ = true;
  const int64_t covers = fd->appended_end.load();
  lock.unlock();
  Status synced = SyncJournalFile(fd->get(), "the signature journal");
  lock.lock();
  syncing_ = false;
  if (synced.ok()) {
    if (synced_fd_ != fd) {
      synced_fd_ = fd;
      synced_end_ = 0;
    }
    synced_end_ = std::max(synced_end_, std::max(covers, end));
  }
  sync_done_.notify_all();
  return synced;
}

Result<std::vector<bool>> FileJournal::Write(const std::vector<JournalStore::Entry>& entries,
                                             bool synced) {
  Staged staged;
  staged.entries = &entries;
  if (entries.empty()) return std::vector<bool>{};
  SAMP11_RETURN_IF_ERROR(AppendAndSync(staged, synced));
  return std::move(staged.won);
}

Result<std::vector<bool>> FileJournal::Claim(
    const std::vector<SpentHashRow>& rows,
    const std::function<Result<AuditAppend>(const AuditTail& tail, size_t claimed)>& make_append) {
  Staged staged;
  staged.claim_rows = &rows;
  staged.claim_append = &make_append;
  SAMP11_RETURN_IF_ERROR(AppendAndSync(staged, /*synced=*/true));
  return std::move(staged.won);
}

Result<bool> FileJournal::IsHashSpent(std::string_view kid, std::string_view jti,
                                      const Bytes& hash) {
  SAMP11_RETURN_IF_ERROR(Damage());
  std::lock_guard<std::mutex> lock(mu_);
  SAMP11_RETURN_IF_ERROR(LockJournalFile(control_->get(), JournalControlPath(token_path_)));
  Status caught_up = CatchUp();
  UnlockJournalFile(control_->get());
  NoteDamage(caught_up);
  SAMP11_RETURN_IF_ERROR(caught_up);
  if (spent_.count(SpendKey(kid, jti, hash)) != 0) return true;
  return inner_.replay().IsHashSpent(kid, jti, hash);
}

Result<bool> FileJournal::InsertSpentHash(const SpentHashRow& row) {
  // Without an audit record: straight into the token's state, decided under the lock against
  // the journal's own spends.
  SAMP11_RETURN_IF_ERROR(Damage());
  std::lock_guard<std::mutex> lock(mu_);
  SAMP11_RETURN_IF_ERROR(LockJournalFile(control_->get(), JournalControlPath(token_path_)));
  Status caught_up = CatchUp();
  Result<bool> inserted = caught_up;
  if (caught_up.ok()) {
    inserted = spent_.count(SpendKey(row.kid, row.jti, row.hash)) != 0
                   ? Result<bool>(false)
                   : inner_.replay().InsertSpentHash(row);
  }
  UnlockJournalFile(control_->get());
  return inserted;
}

}  // namespace samp11
