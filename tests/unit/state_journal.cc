// What only the signature journal has (state/journal/): records left by a killed process, several
// processes spending the same hashes, a torn end, and segments damaged, reordered, removed or
// from another token. The shared suites (state_*.cc) run on it as "journal" too.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

#include "state/journal/file_journal.h"
#include "state/journal/journal_codec.h"
#include "state/journal/journal_files.h"
#include "state_test_util.h"

namespace samp11 {
namespace {

using namespace testing;

JournalStore::Entry SpendEntry(std::optional<SpentHashRow> spend) {
  JournalStore::Entry entry;
  entry.spend = std::move(spend);
  entry.make_append = [](const AuditTail& tail, bool won) {
    return NextRecord(tail, won ? "won" : "lost");
  };
  return entry;
}

std::vector<uint8_t> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void WriteFile(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

// A process that opens the token, appends `records` records (each spending a hash of its own),
// and dies without closing: its records stay in the journal's segments.
// hold_folds: the process also holds the fold lock (through a file of its own), so that its
// background folder leaves every segment in place.
void LeaveRecords(JournaledStates& states, const std::string& path, int records,
                  bool hold_folds = false) {
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    auto store = states.Named(path)->Open();
    if (!store.ok()) ::_exit(3);
    if (hold_folds) {
      auto fold = OpenJournalFile(JournalFoldLockPath(path), false);
      if (!fold.ok() || !LockJournalFile(*fold, JournalFoldLockPath(path)).ok()) ::_exit(6);
    }
    for (int i = 0; i < records; ++i) {
      std::vector<JournalStore::Entry> entries;
      entries.push_back(SpendEntry(Spent("jti", "hash-" + std::to_string(i))));
      auto won = (*store)->journal().WriteJournal(entries, /*synced=*/i % 2 == 0);
      if (!won.ok() || won->size() != 1 || !(*won)[0]) ::_exit(4);
    }
    ::_exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
}

std::unique_ptr<StateStore> NewToken(JournaledStates& states, const std::string& path,
                                     const std::string& identity = "token-a") {
  auto store = Must(states.Named(path)->Create());
  MustOk(store->meta().InsertMeta("identity", identity));
  return store;
}

// The rows the token file itself holds, without the journal in front.
std::vector<int64_t> FileSeqs(const std::string& path) {
  auto store = Must(SqliteStateLocation(path)->Open());
  std::vector<int64_t> seqs;
  for (const AuditRow& row : Must(store->audit().ListAuditRows(0, 100000, {}))) {
    seqs.push_back(row.seq);
  }
  return seqs;
}

std::vector<int64_t> Range(int64_t from, int64_t to) {
  std::vector<int64_t> seqs;
  for (int64_t s = from; s <= to; ++s) seqs.push_back(s);
  return seqs;
}

// The token opens (so that `samp11 audit verify` can say what is wrong), names the damage, and
// refuses every append and spend lookup: a spend in the damaged part must not pass as unspent.
void ExpectDamage(JournaledStates& states, const std::string& path, const std::string& what) {
  auto store = Must(states.Named(path)->Open());
  auto problems = Must(store->audit().CheckStorage());
  REQUIRE(problems.size() == 1);
  CHECK_MESSAGE(problems[0].find(what) != std::string::npos, problems[0]);
  std::vector<JournalStore::Entry> entries;
  entries.push_back(SpendEntry(Spent("jti", "new-hash")));
  CHECK(store->journal().WriteJournal(entries, true).status().code() == Code::kTampered);
  CHECK(store->replay().IsHashSpent("kid-1", "jti", ToBytes("hash-0")).status().code() ==
        Code::kTampered);
  // What the file holds stays readable.
  MustOk(store->audit().GetAuditTail().status());
}

TEST_CASE("journal: a killed process's records and spends are folded by the next open") {
  JournaledStates states;
  const std::string path = states.dir.File("t.db");
  NewToken(states, path).reset();
  LeaveRecords(states, path, 40);  // several segments of 4 KiB, the older ones folded meanwhile
  REQUIRE(!Must(ListJournalSegments(path)).empty());
  CHECK(FileSeqs(path).size() < 40);

  auto store = Must(states.Named(path)->Open());
  CHECK(Must(ListJournalSegments(path)).empty());
  CHECK(FileSeqs(path) == Range(1, 40));
  CHECK(Must(store->replay().IsHashSpent("kid-1", "jti", ToBytes("hash-39"))));
  std::vector<JournalStore::Entry> again;
  again.push_back(SpendEntry(Spent("jti", "hash-7")));
  CHECK(Must(store->journal().WriteJournal(again, true)) == std::vector<bool>{false});
}

TEST_CASE("journal: two processes of four threads spend the same hashes, each exactly once") {
  JournaledStates states;
  const std::string path = states.dir.File("t.db");
  NewToken(states, path).reset();
  constexpr int kHashes = 60;
  std::vector<pid_t> children;
  for (int c = 0; c < 2; ++c) {
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      auto store = states.Named(path)->Open();
      if (!store.ok()) ::_exit(3);
      std::atomic<int> errors{0};
      std::vector<std::thread> threads;
      for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
          for (int h = 0; h < kHashes; ++h) {
            std::vector<JournalStore::Entry> entries;
            entries.push_back(SpendEntry(Spent("jti", "hash-" + std::to_string(h))));
            if (!(*store)->journal().WriteJournal(entries, /*synced=*/(h + t) % 3 == 0).ok()) {
              ++errors;
            }
          }
        });
      }
      for (auto& thread : threads) thread.join();
      store->reset();
      ::_exit(errors == 0 ? 0 : 5);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  auto store = Must(SqliteStateLocation(path)->Open());
  auto rows = Must(store->audit().ListAuditRows(0, 100000, {}));
  REQUIRE(rows.size() == 2 * 4 * kHashes);
  int won = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    CHECK(rows[i].seq == static_cast<int64_t>(i) + 1);
    won += rows[i].event == "won" ? 1 : 0;
  }
  CHECK(won == kHashes);
}

TEST_CASE("journal: a torn end is cut; a damaged, moved or foreign record is named") {
  JournaledStates states;
  const std::string path = states.dir.File("t.db");
  NewToken(states, path).reset();
  // One segment (no rotation at this size), left unfolded.
  LeaveRecords(states, path, 5);
  auto segments = Must(ListJournalSegments(path));
  REQUIRE(segments.size() == 1);
  const std::string segment = JournalSegmentPath(path, segments.front());
  std::vector<uint8_t> bytes = ReadFile(segment);
  // Frame boundaries, from the codec.
  std::vector<size_t> starts;
  for (size_t pos = 0; pos < bytes.size();) {
    starts.push_back(pos);
    DecodedFrame frame = DecodeJournalFrame(bytes.data() + pos, bytes.size() - pos);
    REQUIRE(frame.read == FrameRead::kWhole);
    pos += frame.size;
  }
  REQUIRE(starts.size() == 6);  // the header and 5 records

  SUBCASE("torn: half a record at the end is a crash's, cut; the five stay") {
    std::vector<uint8_t> torn = bytes;
    torn.insert(torn.end(), bytes.begin() + static_cast<long>(starts[5]),
                bytes.begin() + static_cast<long>(starts[5] + 20));
    WriteFile(segment, torn);
    auto store = Must(states.Named(path)->Open());
    CHECK(FileSeqs(path) == Range(1, 5));
    std::vector<JournalStore::Entry> next;
    next.push_back(SpendEntry(std::nullopt));
    MustOk(store->journal().WriteJournal(next, true).status());
    store.reset();
    CHECK(FileSeqs(path) == Range(1, 6));
  }
  SUBCASE("a byte changed in a record before the end") {
    bytes[starts[2] + 30] ^= 0x01;
    WriteFile(segment, bytes);
    ExpectDamage(states, path,
                 segment + " at byte " + std::to_string(starts[2]) + ": a damaged record");
    CHECK(FileSeqs(path).empty());  // nothing folded from a damaged segment
  }
  SUBCASE("two records swapped") {
    std::vector<uint8_t> swapped(bytes.begin(), bytes.begin() + static_cast<long>(starts[2]));
    swapped.insert(swapped.end(), bytes.begin() + static_cast<long>(starts[3]),
                   bytes.begin() + static_cast<long>(starts[4]));
    swapped.insert(swapped.end(), bytes.begin() + static_cast<long>(starts[2]),
                   bytes.begin() + static_cast<long>(starts[3]));
    swapped.insert(swapped.end(), bytes.begin() + static_cast<long>(starts[4]), bytes.end());
    WriteFile(segment, swapped);
    ExpectDamage(states, path, "record 3 where 2 was due");
  }
  SUBCASE("a record removed") {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<long>(starts[2]));
    cut.insert(cut.end(), bytes.begin() + static_cast<long>(starts[3]), bytes.end());
    WriteFile(segment, cut);
    ExpectDamage(states, path, "record 3 where 2 was due");
  }
  SUBCASE("another token's segment") {
    const std::string other = states.dir.File("other.db");
    NewToken(states, other, "token-b").reset();
    LeaveRecords(states, other, 2);
    auto other_segments = Must(ListJournalSegments(other));
    REQUIRE(other_segments.size() == 1);
    std::filesystem::remove(segment);
    std::filesystem::copy_file(JournalSegmentPath(other, other_segments.front()),
                               JournalSegmentPath(path, other_segments.front()));
    ExpectDamage(states, path, "belongs to another token");
  }
}

TEST_CASE("journal: a write that fails is cut back, spends nothing, and the next process folds") {
  JournaledStates states;
  const std::string path = states.dir.File("t.db");
  NewToken(states, path).reset();
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    auto store = states.Named(path)->Open();
    if (!store.ok()) ::_exit(3);
    // The disk fills up: no file may grow past 3,000 bytes (write() fails with EFBIG).
    ::signal(SIGXFSZ, SIG_IGN);
    struct rlimit limit = {3000, 3000};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(4);
    for (int i = 0; i < 100; ++i) {
      const std::string hash = "hash-" + std::to_string(i);
      std::vector<JournalStore::Entry> entries;
      entries.push_back(SpendEntry(Spent("jti", hash)));
      auto won = (*store)->journal().WriteJournal(entries, /*synced=*/true);
      if (won.ok()) continue;
      if (won.status().code() != Code::kStorage) ::_exit(5);
      // Nothing of it stays: the segment ends on a whole record, the hash is not spent.
      auto segments = ListJournalSegments(path);
      if (!segments.ok() || segments->size() != 1) ::_exit(6);
      std::vector<uint8_t> bytes = ReadFile(JournalSegmentPath(path, segments->front()));
      for (size_t pos = 0; pos < bytes.size();) {
        DecodedFrame frame = DecodeJournalFrame(bytes.data() + pos, bytes.size() - pos);
        if (frame.read != FrameRead::kWhole) ::_exit(7);
        pos += frame.size;
      }
      auto spent = (*store)->replay().IsHashSpent("kid-1", "jti", ToBytes(hash));
      if (!spent.ok() || *spent) ::_exit(8);
      ::_exit(i > 0 ? 0 : 9);  // some records fit before the disk was full
    }
    ::_exit(10);  // the limit never bit
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  // With room again, the next process folds the records that were written and the hash whose
  // write failed is still to be spent.
  auto store = Must(states.Named(path)->Open());
  const std::vector<int64_t> seqs = FileSeqs(path);
  REQUIRE(!seqs.empty());
  CHECK(seqs == Range(1, static_cast<int64_t>(seqs.size())));
  const std::string failed = "hash-" + std::to_string(seqs.size());
  CHECK_FALSE(Must(store->replay().IsHashSpent("kid-1", "jti", ToBytes(failed))));
  std::vector<JournalStore::Entry> entries;
  entries.push_back(SpendEntry(Spent("jti", failed)));
  CHECK(Must(store->journal().WriteJournal(entries, true)) == std::vector<bool>{true});
}

TEST_CASE("journal: a segment removed between others is named, not skipped") {
  JournaledStates states;
  const std::string path = states.dir.File("t.db");
  NewToken(states, path).reset();
  LeaveRecords(states, path, 60, /*hold_folds=*/true);
  auto segments = Must(ListJournalSegments(path));
  REQUIRE(segments.size() >= 3);
  std::filesystem::remove(JournalSegmentPath(path, segments[1]));
  ExpectDamage(states, path, "does not end where");
}

// A restore or a master-key rotation rewrites the audit log under a fold of everything, while
// other processes keep the token open. The one that appends first after it starts a segment that
// continues the new log; another, whose last look was at the old log's tail, follows it (the
// control file's rewrite count tells it) instead of taking that segment for a gap.
TEST_CASE("journal: a log rewritten under a fold is followed by every process") {
  JournaledStates states;
  const std::string path = states.dir.File("t.db");
  NewToken(states, path).reset();
  auto inner_a = Must(SqliteStateLocation(path)->Open());
  auto inner_b = Must(SqliteStateLocation(path)->Open());
  auto a = Must(FileJournal::Open(path, *inner_a, JournaledStates::kSegmentBytes));
  auto b = Must(FileJournal::Open(path, *inner_b, JournaledStates::kSegmentBytes));
  auto spend = [](FileJournal& journal, const std::string& hash) {
    std::vector<JournalStore::Entry> entries;
    entries.push_back(SpendEntry(Spent("jti", hash)));
    return journal.Write(entries, /*synced=*/true);
  };
  CHECK(Must(spend(*a, "hash-0")) == std::vector<bool>{true});  // a knows the tail now
  const size_t before = FileSeqs(path).size();
  MustOk(b->FoldAllThen([&] { return AppendRecord(*inner_b, Record("rewritten")); },
                        /*rewrites_log=*/true));
  CHECK(FileSeqs(path).size() == before + 2);  // a's record folded, and the rewrite's
  CHECK(Must(spend(*b, "hash-1")) == std::vector<bool>{true});   // a segment on the new log
  CHECK(Must(spend(*a, "hash-2")) == std::vector<bool>{true});   // after b's, not a gap
  CHECK(Must(spend(*a, "hash-0")) == std::vector<bool>{false});  // spent before the rewrite
  CHECK(Must(spend(*b, "hash-2")) == std::vector<bool>{false});
  MustOk(a->Damage());
  MustOk(a->FoldAll());
  const std::vector<int64_t> seqs = FileSeqs(path);
  CHECK(seqs == Range(1, static_cast<int64_t>(seqs.size())));
  CHECK(seqs.size() == before + 6);

  // Without the rewrite count (a process of an older build, or a count not moved), the same
  // order is a gap: the check that names a missing stretch still stands.
  CHECK(Must(spend(*a, "hash-3")) == std::vector<bool>{true});  // a knows the tail again
  MustOk(b->FoldAllThen([&] { return AppendRecord(*inner_b, Record("unannounced")); }));
  CHECK(Must(spend(*b, "hash-4")) == std::vector<bool>{true});
  CHECK(spend(*a, "hash-5").status().code() == Code::kTampered);
}

}  // namespace
}  // namespace samp11
