// The signature journal (docs/keystore.md, "The signature journal"): the signing path's writes
// (spent hashes with their audit records, batch claims, login and refusal records) appended to a
// segment file beside the token file, one write() per group of records, no transaction; folded
// into the token's state (the inner StateStore) in the background, at open and at close, and
// before anything reads or rewrites the whole audit log.
//
// Exactly once across threads and processes: an append takes the control file's lock, first
// reads whatever other processes appended since its last look (their spends join its set), then
// decides each spend against that set and the folded state, and appends. The lock is held for
// that only, never across a signature or a sync. A synced append returns after an fdatasync that
// began after it: one in progress that began earlier is waited for, then the next one covers
// every append made meanwhile, so threads of a process that sign at once share it (SyncUpTo;
// keystore/signature_journal.h hands their entries straight in). A record that is written but not
// synced is in the page cache: a killed process cannot take it, only a power loss can, and only
// when nothing synced after it.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "state/journal/journal_codec.h"
#include "state/journal/journal_files.h"
#include "state/state_store.h"

namespace samp11 {

class FileJournal {
 public:
  // A segment grows to about this size, then the next one starts and this one is folded.
  static constexpr int64_t kDefaultSegmentBytes = 1 << 20;

  // The journal of the token file at token_path, over its state inner (which must outlive it).
  // Folds whatever earlier processes left, so that it starts empty. fold_into, when given, is a
  // second store on the same state that folding writes through (its own SQLite connection): the
  // signing path's reads of inner (key state, spent hashes) then never wait for a fold's
  // transaction, as they do not wait for another process's.
  static Result<std::unique_ptr<FileJournal>> Open(const std::string& token_path, StateStore& inner,
                                                   int64_t segment_bytes = kDefaultSegmentBytes,
                                                   std::unique_ptr<StateStore> fold_into = nullptr);
  // Removes the journal files of a token file that no longer exists (before one is created at
  // the same path, so that a former token's records can never be taken for the new one's).
  static Status RemoveLeftovers(const std::string& token_path);
  // Renames the journal files to aside_path's (a restore keeps an unreadable token aside).
  static Status MoveAside(const std::string& token_path, const std::string& aside_path);

  // Stops the background folder and folds what is left (a failure is logged: the records stay
  // in their segment, and the next process to open the token folds them).
  ~FileJournal();
  FileJournal(const FileJournal&) = delete;
  FileJournal& operator=(const FileJournal&) = delete;

  // JournalStore's and ReplayStore's contracts (state/journal_store.h, state/replay_store.h).
  Result<std::vector<bool>> Write(const std::vector<JournalStore::Entry>& entries, bool synced);
  Result<std::vector<bool>> Claim(
      const std::vector<SpentHashRow>& rows,
      const std::function<Result<AuditAppend>(const AuditTail& tail, size_t claimed)>& make_append);
  Result<bool> IsHashSpent(std::string_view kid, std::string_view jti, const Bytes& hash);
  Result<bool> InsertSpentHash(const SpentHashRow& row);

  // Every record folded into inner and the journal restarted empty: for whatever reads the
  // whole log or the whole ledger. kTampered naming the segment and offset if a segment is not
  // this token's, or a record in it is damaged, missing or out of order.
  Status FoldAll();
  // FoldAll, then change with every append and fold in every process waiting: change may
  // rewrite the audit log in inner (a master-key rotation, a restore); the journal continues
  // from inner's new tail. rewrites_log: it does, so the control file's rewrite count moves and
  // every other process drops the tail it last read (CatchUp) instead of taking the next segment,
  // which continues the new log, for a gap.
  Status FoldAllThen(const std::function<Status()>& change, bool rewrites_log = false);

  // How many records were folded into inner by this process (tests, the benchmark).
  int64_t folded_records() const;

  // Ok, or the kTampered of the last fold or catch-up that met a damaged, out-of-order or
  // foreign segment. While it stands, every append and spend lookup fails with it (a spend in
  // the damaged segment must not be taken for unspent); a later fold of everything that
  // succeeds (the operator moved the segment aside) clears it.
  Status Damage() const;

 private:
  struct Segment {
    int64_t generation = 0;
    std::string path;
    std::shared_ptr<JournalFd> fd;
    int64_t end = 0;  // end of the last whole frame read or written
  };
  struct Staged;  // the records of one append, before they are written

  FileJournal(std::string token_path, StateStore& inner, int64_t segment_bytes,
              std::unique_ptr<StateStore> fold_into);
  Status Start();

  // All under mu_ and the control file's lock.
  Status CatchUp();
  Status ReadNew(bool current);
  Status OpenSegment(int64_t generation, bool* exists);
  // A segment's header names this token and the generation its file name says.
  Status CheckHeader(const std::string& path, const JournalHeader& header, int64_t generation);
  Status CreateSegment(int64_t generation, const AuditTail& base);
  Status DecideAndAppend(Staged& staged, std::shared_ptr<JournalFd>* written_fd,
                         int64_t* written_end);
  Status RotateIfFull();
  Status FoldAllLocked();
  // Moves the control file's rewrite count (FoldAllThen's rewrites_log).
  Status CountRewrite(const std::string& control_path);
  Result<bool> SpentSomewhere(const std::string& key, const SpentHashRow& row);

  // Appends under the lock, then syncs outside it when asked.
  Status AppendAndSync(Staged& staged, bool synced);
  Status SyncUpTo(const std::shared_ptr<JournalFd>& fd, int64_t end);

  // Folds one segment's records that inner does not have yet. Under the fold locks.
  Status FoldSegment(int64_t generation);
  void FolderLoop();
  void WakeFolder();

  const std::string token_path_;
  StateStore& inner_;
  // Destroyed after the destructor's last fold. Folding reads and writes the state through it.
  std::unique_ptr<StateStore> fold_store_;
  StateStore& folds_into() { return fold_store_ ? *fold_store_ : inner_; }
  const int64_t segment_bytes_;
  // The token's identity (meta "identity"), read from inner when first needed: a token being
  // created has none until its first audit record.
  Result<std::string> Identity();
  std::mutex identity_mu_;
  std::string identity_;

  std::mutex mu_;
  std::shared_ptr<JournalFd> control_;
  Segment segment_;            // the generation being read or appended to; fd null if none
  AuditTail tail_;             // after the last record read or written
  bool tail_known_ = false;    // false while no header of the current stretch was read
  int64_t rewrites_seen_ = 0;  // the control file's rewrite count when last read
  std::unordered_map<std::string, int64_t> spent_;  // unfolded spends -> their generation

  std::mutex sync_mu_;
  std::condition_variable sync_done_;
  bool syncing_ = false;
  std::shared_ptr<JournalFd> synced_fd_;
  int64_t synced_end_ = 0;

  mutable std::mutex fold_mu_;  // then the fold lock file
  std::shared_ptr<JournalFd> fold_lock_;
  int64_t folded_records_ = 0;

  void NoteDamage(const Status& status);
  mutable std::mutex damage_mu_;
  Status damage_;

  std::mutex folder_mu_;
  std::condition_variable folder_wake_;
  bool folder_requested_ = false;
  bool folder_stop_ = false;
  std::thread folder_;
};

}  // namespace samp11
