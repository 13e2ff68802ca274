// Shared suite: AuditStore and JournalStore, on every implementation (state_test_util.h).
#include "state_test_util.h"

namespace samp11 {
namespace {

using namespace testing;

void CheckHeadAt(StateStore& store, int64_t seq) {
  AuditTail tail = Must(store.audit().GetAuditTail());
  if (seq == 0) {
    CHECK_FALSE(tail.head.has_value());
    CHECK_FALSE(tail.last_row.has_value());
    return;
  }
  REQUIRE(tail.head);
  CHECK(tail.head->seq == seq);
  CHECK(tail.head->mac == ToBytes("head-mac-" + std::to_string(seq)));
  REQUIRE(tail.last_row);
  CHECK(tail.last_row->seq == seq);
}

TEST_CASE_TEMPLATE("state: an audit append reads the tail and stores its row and head", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto store = NewStore(states);
  CheckHeadAt(*store, 0);
  std::vector<AuditTail> tails;
  for (const char* event : {"a", "b", "c"}) {
    MustOk(AppendRecord(*store, [&](const AuditTail& tail) -> Result<AuditAppend> {
      tails.push_back(tail);
      AuditAppend append = NextRecord(tail, event);
      append.row.signer = "alice";
      append.row.key_id = ToBytes("key");
      append.row.kid = "kid";
      append.row.jti = "jti";
      append.row.detail = std::string("detail ") + event;
      return append;
    }));
  }
  REQUIRE(tails.size() == 3);
  CHECK_FALSE(tails[0].last_row.has_value());
  CHECK_FALSE(tails[0].head.has_value());
  REQUIRE(tails[2].last_row);
  CHECK(tails[2].last_row->seq == 2);
  CHECK(tails[2].last_row->event == "b");
  REQUIRE(tails[2].head);
  CHECK(tails[2].head->chain == ToBytes("chain-2"));
  CheckHeadAt(*store, 3);

  auto rows = Must(OpenStore(states)->audit().ListAuditRows(0, 10, {}));
  REQUIRE(rows.size() == 3);
  const AuditRow& row = rows[1];
  CHECK(row.seq == 2);
  CHECK(row.at == 102);
  CHECK(row.pid == 7);
  CHECK(row.event == "b");
  CHECK(row.outcome == "ok");
  CHECK(row.signer == "alice");
  CHECK(row.key_id == ToBytes("key"));
  CHECK(row.kid == "kid");
  CHECK(row.jti == "jti");
  CHECK(row.detail == "detail b");
  CHECK(row.chain == ToBytes("chain-2"));
  CHECK(row.mac == ToBytes("mac-2"));
}

TEST_CASE_TEMPLATE("state: a failed audit append changes nothing; a taken seq is kTampered", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto store = NewStore(states);
  MustOk(AppendRecord(*store, Record("first")));
  CHECK(AppendRecord(*store, [](const AuditTail&) -> Result<AuditAppend> {
          return Refusal();
        }).code() == Code::kInternal);
  CheckHeadAt(*store, 1);

  // A head behind the log: the next row's seq is taken.
  Status replayed = AppendRecord(*store, [](const AuditTail& tail) -> Result<AuditAppend> {
    AuditAppend append = NextRecord(tail, "again");
    append.row.seq = 1;
    append.head.seq = 1;
    return append;
  });
  CHECK(replayed.code() == Code::kTampered);
  CHECK(AuditSeqs(*store) == std::vector<int64_t>{1});
  CHECK(Must(store->audit().ListAuditRows(0, 10, {}))[0].event == "first");
  CheckHeadAt(*store, 1);
}

TEST_CASE_TEMPLATE("state: the tail is the highest seq, whatever the head says", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto store = NewStore(states);
  MustOk(AppendRecord(*store, Record("first")));
  Status far = AppendRecord(*store, [](const AuditTail& tail) -> Result<AuditAppend> {
    AuditAppend append = NextRecord(tail, "far");
    append.row.seq = 10;  // a gap, and a head left behind
    return append;
  });
  if constexpr (S::kJournal) {
    CHECK(far.code() == Code::kTampered);
    CheckHeadAt(*store, 1);
    return;
  }
  MustOk(far);
  AuditTail tail = Must(store->audit().GetAuditTail());
  REQUIRE(tail.last_row);
  CHECK(tail.last_row->seq == 10);
  REQUIRE(tail.head);
  CHECK(tail.head->seq == 2);
}

TEST_CASE_TEMPLATE("state: audit rows are listed by seq, filtered and paged", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto store = NewStore(states);
  for (int i = 1; i <= 8; ++i) {
    MustOk(AppendRecord(*store, [&](const AuditTail& tail) -> Result<AuditAppend> {
      AuditAppend append = NextRecord(tail, i % 2 == 0 ? "sign" : "login");
      append.row.signer = i <= 4 ? "alice" : "bob";
      append.row.key_id = i % 3 == 0 ? ToBytes("k3") : Bytes();
      return append;  // at = 100 + seq
    }));
  }
  auto seqs = [&](int64_t after, size_t limit, const AuditRowFilter& filter) {
    std::vector<int64_t> out;
    for (const AuditRow& row : Must(store->audit().ListAuditRows(after, limit, filter))) {
      out.push_back(row.seq);
    }
    return out;
  };
  using Seqs = std::vector<int64_t>;
  CHECK(seqs(0, 100, {}) == Seqs{1, 2, 3, 4, 5, 6, 7, 8});
  CHECK(seqs(3, 2, {}) == Seqs{4, 5});
  CHECK(seqs(0, 0, {}).empty());
  AuditRowFilter filter;
  filter.signer = "bob";
  CHECK(seqs(0, 100, filter) == Seqs{5, 6, 7, 8});
  filter.event = "sign";
  CHECK(seqs(0, 100, filter) == Seqs{6, 8});
  CHECK(seqs(6, 100, filter) == Seqs{8});
  filter = {};
  filter.key_id = ToBytes("k3");
  CHECK(seqs(0, 100, filter) == Seqs{3, 6});
  filter = {};
  filter.since = 103;
  filter.until = 106;
  CHECK(seqs(0, 100, filter) == Seqs{3, 4, 5, 6});
  filter.max_seq = 5;
  CHECK(seqs(0, 100, filter) == Seqs{3, 4, 5});
  filter.event = "login";
  CHECK(seqs(0, 1, filter) == Seqs{3});
  CHECK(seqs(3, 1, filter) == Seqs{5});
}

TEST_CASE_TEMPLATE("state: a journal write spends and records each entry, in order", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  for (bool synced : {true, false}) {
    CAPTURE(synced);
    S states;
    auto store = NewStore(states);
    CHECK(Must(store->replay().InsertSpentHash(Spent("j", "spent"))));
    std::vector<std::pair<int64_t, bool>> seen;  // (tail's last seq, spend_won) per entry
    auto entry = [&](std::optional<SpentHashRow> spend, const std::string& event) {
      JournalStore::Entry e;
      e.spend = std::move(spend);
      e.make_append = [&seen, event](const AuditTail& tail, bool won) -> Result<AuditAppend> {
        seen.emplace_back(tail.last_row ? tail.last_row->seq : 0, won);
        return NextRecord(tail, event + (won ? " won" : " lost"));
      };
      return e;
    };
    std::vector<JournalStore::Entry> entries;
    entries.push_back(entry(Spent("j", "h1"), "one"));
    entries.push_back(entry(Spent("j", "spent"), "two"));
    entries.push_back(entry(std::nullopt, "three"));
    entries.push_back(entry(Spent("j", "h1"), "four"));  // spent by the first entry
    std::vector<bool> won = Must(store->journal().WriteJournal(entries, synced));
    CHECK(won == std::vector<bool>{true, false, true, false});
    CHECK(seen ==
          std::vector<std::pair<int64_t, bool>>{{0, true}, {1, false}, {2, true}, {3, false}});
    CHECK(Must(store->replay().IsHashSpent("kid-1", "j", ToBytes("h1"))));
    std::vector<std::string> events;
    for (const AuditRow& row : Must(store->audit().ListAuditRows(0, 10, {}))) {
      events.push_back(row.event);
    }
    CHECK(events == std::vector<std::string>{"one won", "two lost", "three won", "four lost"});
    CheckHeadAt(*store, 4);
    CHECK(Must(store->journal().WriteJournal({}, synced)).empty());
  }
}

TEST_CASE_TEMPLATE("state: a journal write is all or nothing", S, SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto store = NewStore(states);
  MustOk(AppendRecord(*store, Record("before")));
  auto entries_failing = [](bool tampered) {
    std::vector<JournalStore::Entry> entries(3);
    entries[0].spend = Spent("j", "h1");
    entries[0].make_append = [](const AuditTail& tail, bool) -> Result<AuditAppend> {
      return NextRecord(tail, "one");
    };
    entries[1].spend = Spent("j", "h2");
    entries[1].make_append = [](const AuditTail& tail, bool) -> Result<AuditAppend> {
      return NextRecord(tail, "two");
    };
    entries[2].spend = Spent("j", "h3");
    entries[2].make_append = [tampered](const AuditTail& tail, bool) -> Result<AuditAppend> {
      if (!tampered) return Refusal();
      AuditAppend append = NextRecord(tail, "three");
      append.row.seq = 2;  // taken by entry one
      return append;
    };
    return entries;
  };
  CHECK(store->journal().WriteJournal(entries_failing(false), true).status().code() ==
        Code::kInternal);
  CHECK(store->journal().WriteJournal(entries_failing(true), false).status().code() ==
        Code::kTampered);
  for (const char* hash : {"h1", "h2", "h3"}) {
    CHECK_FALSE(Must(store->replay().IsHashSpent("kid-1", "j", ToBytes(hash))));
  }
  CHECK(AuditSeqs(*store) == std::vector<int64_t>{1});
  CheckHeadAt(*store, 1);
}

TEST_CASE_TEMPLATE("state: a batch claim spends what is left and records how many", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto store = NewStore(states);
  CHECK(Must(store->replay().InsertSpentHash(Spent("batch", "h2"))));
  std::vector<SpentHashRow> rows = {Spent("batch", "h1"), Spent("batch", "h2"),
                                    Spent("batch", "h3"), Spent("batch", "h1")};
  size_t told = 99;
  std::vector<bool> won = Must(store->journal().ClaimSpentHashes(
      rows, [&](const AuditTail& tail, size_t claimed) -> Result<AuditAppend> {
        told = claimed;
        return NextRecord(tail, "claim");
      }));
  CHECK(won == std::vector<bool>{true, false, true, false});
  CHECK(told == 2);
  CHECK(Must(store->replay().IsHashSpent("kid-1", "batch", ToBytes("h3"))));
  CheckHeadAt(*store, 1);

  // Nothing left: still one record, of none claimed.
  won = Must(store->journal().ClaimSpentHashes(
      {Spent("batch", "h1")}, [&](const AuditTail& tail, size_t claimed) -> Result<AuditAppend> {
        told = claimed;
        return NextRecord(tail, "claim");
      }));
  CHECK(won == std::vector<bool>{false});
  CHECK(told == 0);
  CheckHeadAt(*store, 2);
}

TEST_CASE_TEMPLATE("state: a batch claim keeps every byte of what it spends", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  // PostgreSQL sends a batch's rows as arrays in one statement: quotes, backslashes, commas,
  // braces, a "NULL", spaces, UTF-8, empty strings and every byte value arrive as they were.
  S states;
  auto store = NewStore(states);
  std::vector<SpentHashRow> rows;
  const std::vector<std::string> texts = {
      "a\"b", "back\\slash", "comma,brace{}", "NULL", " spaced ", "\xc3\xa9t\xc3\xa9", ""};
  for (size_t i = 0; i < texts.size(); ++i) {
    SpentHashRow row = Spent(texts[i], "unused", 100 + static_cast<int64_t>(i), texts[i]);
    row.hash = Bytes{0x00, 0x5c, 0x22, 0x2c, 0xff, static_cast<uint8_t>(i)};
    row.key_id = Bytes{0x7b, 0x00, 0x7d};
    rows.push_back(row);
  }
  rows[5].hash.clear();  // an empty hash too
  auto claim = [&store](const std::vector<SpentHashRow>& claimed) {
    return Must(store->journal().ClaimSpentHashes(
        claimed, [](const AuditTail& tail, size_t) -> Result<AuditAppend> {
          return NextRecord(tail, "claim");
        }));
  };
  CHECK(claim(rows) == std::vector<bool>(rows.size(), true));
  for (const SpentHashRow& row : rows) {
    CAPTURE(row.jti);
    CHECK(Must(store->replay().IsHashSpent(row.kid, row.jti, row.hash)));
  }
  CHECK(claim(rows) == std::vector<bool>(rows.size(), false));
  // sad_exp arrived too: the rows of exp 100..102 are purged, the others kept.
  CHECK(Must(store->replay().PurgeSpentHashes(103)) == 3);
  CHECK(Must(store->replay().CountSpentHashes()) == static_cast<int64_t>(rows.size()) - 3);
}

TEST_CASE_TEMPLATE("state: a batch claim whose record fails spends nothing", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto store = NewStore(states);
  auto claimed = store->journal().ClaimSpentHashes(
      {Spent("batch", "h1"), Spent("batch", "h2")},
      [](const AuditTail&, size_t) -> Result<AuditAppend> { return Refusal(); });
  CHECK(claimed.status().code() == Code::kInternal);
  CHECK_FALSE(Must(store->replay().IsHashSpent("kid-1", "batch", ToBytes("h1"))));
  CHECK_FALSE(Must(store->replay().IsHashSpent("kid-1", "batch", ToBytes("h2"))));
  CheckHeadAt(*store, 0);
}

}  // namespace
}  // namespace samp11
