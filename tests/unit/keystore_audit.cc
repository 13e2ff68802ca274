// The audit log through the Keystore: appends, concurrency, key-management records, filters,
// paging, and forgery under a wrong master key. Raw-file tampering: keystore_audit_tamper.cc.
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <set>
#include <thread>

#include "crypto/keys.h"
#include "crypto/random.h"
#include "keystore/audit_chain.h"
#include "keystore/keystore.h"
#include "keystore_audit_util.h"
#include "keystore_test_util.h"
#include "state/journal/journal_codec.h"
#include "state/journal/journal_files.h"
#include "tests/support/fake_clock.h"

namespace samp11 {
namespace {

using testing::AfterCreation;
using testing::AppendSigns;
using testing::Describe;
using testing::FakeClock;
using testing::HasProblem;
using testing::MustVerify;
using testing::NewToken;
using testing::RawDb;
using testing::SignEvent;
using testing::TempDir;
using testing::TestToken;

std::vector<AuditRecord> ListAll(Keystore& ks, const AuditFilter& filter = AuditFilter()) {
  std::vector<AuditRecord> all;
  int64_t after = 0;
  for (;;) {
    auto page = ks.audit().List(filter, after);
    REQUIRE_MESSAGE(page.ok(), page.status().ToString());
    if (page->empty()) return all;
    after = page->back().seq;
    for (AuditRecord& r : *page) all.push_back(std::move(r));
  }
}

std::vector<int64_t> Seqs(const std::vector<AuditRecord>& records) {
  std::vector<int64_t> seqs;
  for (const AuditRecord& r : records) seqs.push_back(r.seq);
  return seqs;
}

// count records after the token's creation (record 1), seqs 2..count+1.
void CheckConsecutive(const std::vector<AuditRecord>& records, int64_t count) {
  REQUIRE(static_cast<int64_t>(records.size()) == count + 1);
  for (int64_t i = 0; i <= count; ++i) CHECK(records[static_cast<size_t>(i)].seq == i + 1);
}

TEST_CASE("audit: a new token's log holds its creation; appended records read back and verify") {
  TempDir dir;
  FakeClock clock(1700000000);
  TestToken token = NewToken(dir, "test", clock);
  Keystore& ks = *token.keystore;

  AuditReport fresh = MustVerify(ks);
  CHECK(fresh.ok());
  CHECK(fresh.records == 1);
  auto creation = ListAll(ks);
  REQUIRE(creation.size() == 1);
  CHECK(creation[0].seq == 1);
  CHECK(creation[0].event.event == "token-create");
  CHECK(creation[0].event.outcome == "ok");
  CHECK(creation[0].at == 1700000000);
  CHECK(creation[0].event.detail == "label=test created=1700000000");

  REQUIRE(ks.audit().Append(SignEvent("alice", ToBytes("key-a"), "j1")).ok());
  clock.Set(1700000005);
  REQUIRE(ks.audit()
              .Append(SignEvent("bob", ToBytes("key-b"), "j2", audit_outcome::kRefused,
                                "the data is not bound by the SAD"))
              .ok());
  auto records = AfterCreation(ListAll(ks));
  REQUIRE(records.size() == 2);
  CHECK(records[0].seq == 2);
  CHECK(records[0].at == 1700000000);
  CHECK(records[0].pid == ::getpid());
  CHECK(records[0].event.event == "sign");
  CHECK(records[0].event.outcome == "ok");
  CHECK(records[0].event.signer == "alice");
  CHECK(records[0].event.key_id == ToBytes("key-a"));
  CHECK(records[0].event.kid == "kid-alice");
  CHECK(records[0].event.jti == "j1");
  CHECK(records[0].chain.size() == 32);
  CHECK(records[0].mac.size() == 32);
  CHECK(records[1].seq == 3);
  CHECK(records[1].at == 1700000005);
  CHECK(records[1].event.outcome == "refused");
  CHECK(records[1].event.detail == "the data is not bound by the SAD");

  AuditReport report = MustVerify(ks);
  CHECK_MESSAGE(report.ok(), Describe(report));
  CHECK(report.records == 3);
  CHECK(report.first_seq == 1);
  CHECK(report.last_seq == 3);

  // Another process's view: the log survives reopening and goes on from where it was.
  token.keystore.reset();
  auto reopened = testing::OpenTestKeystore(token.path, token.master);
  REQUIRE(reopened.ok());
  AppendSigns(**reopened, 3, 3);
  AuditReport after = MustVerify(**reopened);
  CHECK_MESSAGE(after.ok(), Describe(after));
  CHECK(after.records == 6);
  CheckConsecutive(ListAll(**reopened), 5);
}

// The token's own audit key, as only the master key's holder can derive it.
SecureBytes AuditKey(const TestToken& token) {
  auto master = LoadMasterKey(token.master, Bytes());
  REQUIRE(master.ok());
  auto keys = DeriveKeys(*master);
  REQUIRE(keys.ok());
  return std::move(keys->audit);
}

// The formula of audit_chain.h, written out again with OpenSSL alone.
Bytes Sha256(const Bytes& data) {
  Bytes out(SHA256_DIGEST_LENGTH);
  SHA256(data.data(), data.size(), out.data());
  return out;
}

void AppendField(Bytes& out, const std::string& field) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<uint8_t>(static_cast<uint64_t>(field.size()) >> shift));
  }
  out.insert(out.end(), field.begin(), field.end());
}

TEST_CASE("audit: the chain and MACs are the documented ones") {
  TempDir dir;
  TestToken token = NewToken(dir);
  Keystore& ks = *token.keystore;
  AppendSigns(ks, 2);
  auto records = ListAll(ks);  // the token's creation, then the two
  REQUIRE(records.size() == 3);
  const SecureBytes key = AuditKey(token);
  Bytes chain = Sha256(ToBytes("samp11 audit genesis" + ks.identity()));
  for (const AuditRecord& r : records) {
    Bytes input = chain;
    for (const std::string& field :
         {std::string("audit-record-v1"), std::to_string(r.seq), std::to_string(r.at),
          std::to_string(r.pid), r.event.event, r.event.outcome, r.event.signer,
          ToString(r.event.key_id), r.event.kid, r.event.jti, r.event.detail}) {
      AppendField(input, field);
    }
    chain = Sha256(input);
    CHECK(chain == r.chain);
    Bytes mac_input;
    AppendField(mac_input, "audit-mac-v1");
    AppendField(mac_input, std::to_string(r.seq));
    AppendField(mac_input, ToString(chain));
    Bytes mac(SHA256_DIGEST_LENGTH);
    unsigned int mac_size = 0;
    REQUIRE(HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), mac_input.data(),
                 mac_input.size(), mac.data(), &mac_size) != nullptr);
    CHECK(mac == r.mac);
  }
  // Another token's records start from another genesis.
  TempDir other_dir;
  TestToken other = NewToken(other_dir);
  CHECK(AuditGenesis(other.keystore->identity()) != AuditGenesis(ks.identity()));
}

TEST_CASE("audit: malformed events are refused, long fields are cut") {
  TempDir dir;
  TestToken token = NewToken(dir);
  Keystore& ks = *token.keystore;
  AuditEvent bad = SignEvent("alice", {}, "j");
  bad.outcome = "maybe";
  CHECK(ks.audit().Append(bad).code() == Code::kArgumentsBad);
  bad = SignEvent("alice", {}, "j");
  bad.event = "Sign Here";
  CHECK(ks.audit().Append(bad).code() == Code::kArgumentsBad);
  bad.event = "";
  CHECK(ks.audit().Append(bad).code() == Code::kArgumentsBad);

  // A refused SAD's jti is chosen by its sender: a huge one is cut, not a reason to fail.
  AuditEvent huge = SignEvent("alice", Bytes(1000, 0xab), std::string(5000, 'j'),
                              audit_outcome::kRefused, std::string(5000, 'd'));
  huge.kid = std::string(300, 'k') + "\xc3\xa9";
  REQUIRE(ks.audit().Append(huge).ok());
  auto records = AfterCreation(ListAll(ks));
  REQUIRE(records.size() == 1);
  CHECK(records[0].event.jti.size() == kMaxAuditField);
  CHECK(records[0].event.kid == std::string(kMaxAuditField, 'k'));
  CHECK(records[0].event.key_id.size() == kMaxAuditField);
  CHECK(records[0].event.detail.size() == kMaxAuditDetail);
  // A cut never splits a UTF-8 sequence.
  AuditEvent accented = SignEvent(std::string(kMaxAuditField - 1, 's') + "\xc3\xa9", {}, "j");
  REQUIRE(ks.audit().Append(accented).ok());
  records = AfterCreation(ListAll(ks));
  CHECK(records[1].event.signer == std::string(kMaxAuditField - 1, 's'));
  CHECK(MustVerify(ks).ok());
}

TEST_CASE("audit: four threads appending at once make one consecutive chain") {
  TempDir dir;
  TestToken token = NewToken(dir);
  // Two keystores (two connections) in one process as well as threads on one keystore.
  auto second = testing::OpenTestKeystore(token.path, token.master);
  REQUIRE(second.ok());
  constexpr int kPerThread = 25;
  std::vector<std::thread> threads;
  std::vector<Status> failures(4);
  for (int t = 0; t < 4; ++t) {
    Keystore* ks = t % 2 == 0 ? token.keystore.get() : second->get();
    threads.emplace_back([ks, t, &failures] {
      for (int i = 0; i < kPerThread; ++i) {
        Status s = ks->audit().Append(
            SignEvent("thread" + std::to_string(t), {}, "j" + std::to_string(i)));
        if (!s.ok()) failures[static_cast<size_t>(t)] = s;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (const Status& s : failures) CHECK_MESSAGE(s.ok(), s.ToString());
  auto records = ListAll(*token.keystore);
  CheckConsecutive(records, 4 * kPerThread);
  AuditReport report = MustVerify(*token.keystore);
  CHECK_MESSAGE(report.ok(), Describe(report));
  CHECK(report.records == 4 * kPerThread + 1);
}

TEST_CASE("audit: two processes appending at once make one consecutive chain" *
          testing::SqliteOnly()) {
  TempDir dir;
  TestToken token = NewToken(dir);
  AppendSigns(*token.keystore, 1);
  token.keystore.reset();  // a forked child must not share the parent's connection
  constexpr int kPerChild = 30;
  int gate[2];
  REQUIRE(::pipe(gate) == 0);
  std::vector<pid_t> children;
  for (int c = 0; c < 2; ++c) {
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(gate[1]);
      auto ks = testing::OpenTestKeystore(token.path, token.master);
      if (!ks.ok()) ::_exit(3);
      char byte;
      if (::read(gate[0], &byte, 1) < 0) ::_exit(4);
      for (int i = 0; i < kPerChild; ++i) {
        if (!(*ks)->audit().Append(SignEvent("child", {}, "j" + std::to_string(i))).ok())
          ::_exit(2);
      }
      ::_exit(0);
    }
    children.push_back(pid);
  }
  ::close(gate[0]);
  ::close(gate[1]);  // EOF releases both children at once
  for (pid_t pid : children) {
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  auto ks = testing::OpenTestKeystore(token.path, token.master);
  REQUIRE(ks.ok());
  auto records = ListAll(**ks);
  CheckConsecutive(records, 1 + 2 * kPerChild);
  std::set<int64_t> pids;
  for (const AuditRecord& r : records) {
    if (r.seq > 2) pids.insert(r.pid);  // after the creation and the parent's record
  }
  CHECK(pids == std::set<int64_t>(children.begin(), children.end()));
  AuditReport report = MustVerify(**ks);
  CHECK_MESSAGE(report.ok(), Describe(report));
}

TEST_CASE("audit: key management records itself, refusals included") {
  TempDir dir;
  TestToken token = NewToken(dir);
  Keystore& ks = *token.keystore;
  REQUIRE(ks.signers().AddSigner("alice").ok());
  CHECK(ks.signers().AddSigner("alice").code() == Code::kAlreadyExists);
  auto device = GenerateKey(KeyType::kEcP256);
  REQUIRE(device.ok());
  auto kid = ks.signers().AddActivationKey(ActivationKeyRole::kDevice, "alice", device->get(),
                                           "alice-dev");
  REQUIRE(kid.ok());
  CHECK(ks.signers()
            .AddActivationKey(ActivationKeyRole::kDevice, "nobody", device->get(), "x")
            .status()
            .code() == Code::kNotFound);
  CHECK(ks.signers()
            .AddActivationKey(ActivationKeyRole::kAuthorizationServer, "https://as.example",
                              device->get(), "as-1")
            .ok());
  auto key = ks.keys().GenerateKey("alice", KeyType::kEcP256, "alice key", 2, ToBytes("k1"));
  REQUIRE(key.ok());
  CHECK(ks.keys().GenerateKey("mallory", KeyType::kEcP256, "", 2, ToBytes("k2")).status().code() ==
        Code::kNotFound);
  CHECK(ks.certs()
            .ImportCertificate(ToBytes("k1"), ToBytes("not a certificate"), "")
            .status()
            .code() == Code::kArgumentsBad);

  auto records = AfterCreation(ListAll(ks));
  REQUIRE(records.size() == 8);
  auto check = [&](size_t i, const char* event, const char* outcome, const std::string& signer) {
    CAPTURE(i);
    CHECK(records[i].event.event == event);
    CHECK(records[i].event.outcome == outcome);
    CHECK(records[i].event.signer == signer);
  };
  check(0, "signer-add", "ok", "alice");
  check(1, "signer-add", "refused", "alice");
  CHECK(records[1].event.detail.find("already exists") != std::string::npos);
  check(2, "activation-key-add", "ok", "alice");
  CHECK(records[2].event.kid == "alice-dev");
  check(3, "activation-key-add", "refused", "nobody");
  CHECK(records[3].event.detail == "not-found: no signer 'nobody'; device key");
  check(4, "activation-key-add", "ok", "");  // an authorization server is no signer
  CHECK(records[4].event.detail.find("https://as.example") != std::string::npos);
  check(5, "key-generate", "ok", "alice");
  CHECK(records[5].event.key_id == ToBytes("k1"));
  CHECK(records[5].event.detail == "ec-p256, SCAL2, file backend");
  check(6, "key-generate", "refused", "mallory");
  check(7, "cert-import", "refused", "");
  CHECK(records[7].event.key_id == ToBytes("k1"));
  CHECK(MustVerify(ks).ok());
}

TEST_CASE("audit: filters by signer, key, event and time, and pages") {
  TempDir dir;
  FakeClock clock(1000);
  TestToken token = NewToken(dir, "test", clock);
  Keystore& ks = *token.keystore;
  // seq 2..7 at times 1000, 1010, ..., 1050 (seq 1 is the token's creation, at 1000).
  const struct {
    const char* signer;
    const char* key;
    const char* event;
  } rows[] = {{"alice", "ka", "sign"}, {"bob", "kb", "sign"},       {"alice", "ka", "sad-verify"},
              {"alice", "kc", "sign"}, {"bob", "kb", "login-user"}, {"alice", "ka", "sign"}};
  for (const auto& r : rows) {
    AuditEvent e = SignEvent(r.signer, ToBytes(r.key), "j");
    e.event = r.event;
    REQUIRE(ks.audit().Append(e).ok());
    clock.Set(clock.NowSeconds() + 10);
  }
  AuditFilter f;
  f.signer = "alice";
  CHECK(Seqs(ListAll(ks, f)) == std::vector<int64_t>{2, 4, 5, 7});
  f = AuditFilter();
  f.key_id = ToBytes("kb");
  CHECK(Seqs(ListAll(ks, f)) == std::vector<int64_t>{3, 6});
  f = AuditFilter();
  f.event = "sign";
  CHECK(Seqs(ListAll(ks, f)) == std::vector<int64_t>{2, 3, 5, 7});
  f = AuditFilter();
  f.since = 1010;
  f.until = 1030;  // both inclusive
  CHECK(Seqs(ListAll(ks, f)) == std::vector<int64_t>{3, 4, 5});
  f = AuditFilter();
  f.since = 1035;
  CHECK(Seqs(ListAll(ks, f)) == std::vector<int64_t>{6, 7});
  f = AuditFilter();
  f.signer = "alice";
  f.key_id = ToBytes("ka");
  f.event = "sign";
  f.until = 1049;
  CHECK(Seqs(ListAll(ks, f)) == std::vector<int64_t>{2});
  f = AuditFilter();
  f.signer = "nobody";
  CHECK(ListAll(ks, f).empty());

  // Paging: limit is the page size, after_seq the last seq seen.
  f = AuditFilter();
  f.limit = 2;
  auto page = ks.audit().List(f, 1);
  REQUIRE(page.ok());
  CHECK(Seqs(*page) == std::vector<int64_t>{2, 3});
  page = ks.audit().List(f, 3);
  REQUIRE(page.ok());
  CHECK(Seqs(*page) == std::vector<int64_t>{4, 5});
  f.signer = "alice";
  page = ks.audit().List(f, 4);
  REQUIRE(page.ok());
  CHECK(Seqs(*page) == std::vector<int64_t>{5, 7});
  CHECK(ks.audit().List(f, 7)->empty());
  CHECK(ListAll(ks, f).size() == 4);  // paged to the end
}

// Writes count valid records straight into the file in one transaction: thousands of appends
// through Audit would cost one fsync each.
void WriteValidLog(const TestToken& token, const std::string& identity, int64_t count) {
  SecureBytes key = AuditKey(token);
  RawDb db(token.path);
  db.Exec("BEGIN");
  Bytes chain = AuditGenesis(identity);
  AuditRow row;
  for (row.seq = 1; row.seq <= count; ++row.seq) {
    row.at = 1700000000 + row.seq;
    row.pid = 77;
    row.event = "sign";
    row.outcome = "ok";
    row.signer = "alice";
    row.jti = "j" + std::to_string(row.seq);
    chain = AuditChainNext(chain, row);
    auto mac = AuditRecordMac(key, row.seq, chain);
    REQUIRE(mac.ok());
    db.Exec("INSERT INTO audit_log VALUES(" + std::to_string(row.seq) + ", " +
            std::to_string(row.at) + ", 77, 'sign', 'ok', 'alice', x'', '', '" + row.jti +
            "', '', x'" + HexEncode(chain) + "', x'" + HexEncode(*mac) + "')");
  }
  auto head_mac = AuditHeadMac(key, count, chain);
  REQUIRE(head_mac.ok());
  db.Exec("INSERT INTO audit_head VALUES(1, " + std::to_string(count) + ", x'" + HexEncode(chain) +
          "', x'" + HexEncode(*head_mac) + "')");
  db.Exec("COMMIT");
}

TEST_CASE("audit: verification pages through a log longer than one page" * testing::SqliteOnly()) {
  TempDir dir;
  TestToken token = NewToken(dir);
  Keystore& ks = *token.keystore;
  WriteValidLog(token, ks.identity(), 2500);  // the walk reads 1000 rows at a time
  AuditReport report = MustVerify(ks);
  CHECK_MESSAGE(report.ok(), Describe(report));
  CHECK(report.records == 2500);
  CHECK(report.last_seq == 2500);
  // The module appends after records it did not write itself: they are one chain.
  AppendSigns(ks, 1);
  CHECK(MustVerify(ks).ok());
  // Problems on either side of a page boundary are found and named.
  RawDb db(token.path);
  db.Exec("UPDATE audit_log SET jti = 'x' WHERE seq = 1000");
  db.Exec("DELETE FROM audit_log WHERE seq = 2001");
  report = MustVerify(ks);
  REQUIRE_MESSAGE(report.problems.size() == 2, Describe(report));
  CHECK(HasProblem(report, 1000, "record 1000 was edited"));
  CHECK(HasProblem(report, 2001, "record 2001 is missing"));
  CHECK(report.records == 2500);
}

// Appends one record the way an attacker holding key would: the chain is public arithmetic, the
// MACs need the audit key.
void ForgeRecord(const std::string& path, Keystore& ks, const SecureBytes& key) {
  auto last = ks.audit().List(AuditFilter(), 0);
  REQUIRE(last.ok());
  REQUIRE(!last->empty());
  const AuditRecord& prev = last->back();
  AuditRow row;
  row.seq = prev.seq + 1;
  row.at = prev.at;
  row.pid = 4242;
  row.event = "sign";
  row.outcome = "ok";
  row.signer = "alice";
  row.key_id = ToBytes("key-a");
  row.detail = "forged";
  row.chain = AuditChainNext(prev.chain, row);
  auto mac = AuditRecordMac(key, row.seq, row.chain);
  auto head_mac = AuditHeadMac(key, row.seq, row.chain);
  REQUIRE(mac.ok());
  REQUIRE(head_mac.ok());
  RawDb db(path);
  db.Exec("INSERT INTO audit_log VALUES(" + std::to_string(row.seq) + ", " +
          std::to_string(row.at) + ", 4242, 'sign', 'ok', 'alice', x'" + HexEncode(row.key_id) +
          "', '', '', 'forged', x'" + HexEncode(row.chain) + "', x'" + HexEncode(*mac) + "')");
  db.Exec("UPDATE audit_head SET seq = " + std::to_string(row.seq) + ", chain = x'" +
          HexEncode(row.chain) + "', mac = x'" + HexEncode(*head_mac) + "'");
}

TEST_CASE("audit: a record MAC'd under another master key is found; the right key passes" *
          testing::SqliteOnly()) {
  TempDir dir;
  TestToken token = NewToken(dir);
  Keystore& ks = *token.keystore;
  AppendSigns(ks, 5);

  SUBCASE("another key") {
    auto other_master = RandomBytes(32);
    REQUIRE(other_master.ok());
    auto other = DeriveKeys(SecureBytes(other_master->data(), other_master->size()));
    REQUIRE(other.ok());
    ForgeRecord(token.path, ks, other->audit);
    AuditReport report = MustVerify(ks);
    CHECK_MESSAGE(HasProblem(report, 7, "record 7 was edited or forged (its MAC does not match)"),
                  Describe(report));
    CHECK(HasProblem(report, 7, "the head does not match"));
    CHECK(report.problems.size() == 2);
    // And the module refuses to append after a head it cannot vouch for.
    CHECK(ks.audit().Append(SignEvent("alice", {}, "next")).code() == Code::kTampered);
  }
  SUBCASE("the token's own key: what only the master key's holder can do") {
    ForgeRecord(token.path, ks, AuditKey(token));
    AuditReport report = MustVerify(ks);
    CHECK_MESSAGE(report.ok(), Describe(report));
    CHECK(report.records == 7);  // the creation, five signs, the forgery
  }
}

TEST_CASE("audit: appends go on from the head after a deleted tail, refuse a doubtful head" *
          testing::SqliteOnly()) {
  TempDir dir;
  TestToken token = NewToken(dir);
  Keystore& ks = *token.keystore;
  AppendSigns(ks, 5);  // records 2..6, after the token's creation
  testing::FoldJournal(ks);
  RawDb db(token.path);

  SUBCASE("tail deleted: the gap stays visible") {
    db.Exec("DELETE FROM audit_log WHERE seq >= 4");
    REQUIRE(ks.audit().Append(SignEvent("alice", {}, "after")).ok());
    auto records = ListAll(ks);
    CHECK(Seqs(records) == std::vector<int64_t>{1, 2, 3, 7});
    AuditReport report = MustVerify(ks);
    REQUIRE_MESSAGE(report.problems.size() == 1, Describe(report));
    CHECK(HasProblem(report, 4, "records 4..6 are missing"));
  }
  SUBCASE("head deleted") {
    db.Exec("DELETE FROM audit_head");
    CHECK(ks.audit().Append(SignEvent("alice", {}, "after")).code() == Code::kTampered);
    // Key management refuses before it changes anything the log could not record.
    CHECK(ks.signers().AddSigner("zed").code() == Code::kTampered);
    CHECK_FALSE(*ks.signers().SignerExists("zed"));
    AuditReport report = MustVerify(ks);
    CHECK_MESSAGE(HasProblem(report, 6, "the head is missing"), Describe(report));
  }
  SUBCASE("head rolled back to an earlier record's values") {
    db.Exec(
        "UPDATE audit_head SET (seq, chain, mac) = (SELECT seq, chain, mac FROM audit_log "
        "WHERE seq = 3)");
    CHECK(ks.audit().Append(SignEvent("alice", {}, "after")).code() == Code::kTampered);
    AuditReport report = MustVerify(ks);
    CHECK_MESSAGE(HasProblem(report, 3, "the head does not match"), Describe(report));
  }
  CHECK(ListAll(ks).size() <= 7);
}

}  // namespace
}  // namespace samp11

namespace samp11 {
namespace {

TEST_CASE("audit: a damaged journal segment is named by verify, and nothing is appended meanwhile" *
          testing::SqliteOnly()) {
  TempDir dir;
  TestToken token = NewToken(dir);
  Keystore& ks = *token.keystore;
  AppendSigns(ks, 3);  // in the signature journal beside the file, until something folds them
  auto segments = ListJournalSegments(token.path);
  REQUIRE(segments.ok());
  REQUIRE(segments->size() == 1);
  const std::string segment = JournalSegmentPath(token.path, segments->front());
  std::vector<uint8_t> bytes;
  {
    std::ifstream in(segment, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  // The second frame (the first record) gets one bit changed: whole records follow it.
  DecodedFrame header = DecodeJournalFrame(bytes.data(), bytes.size());
  REQUIRE(header.read == FrameRead::kWhole);
  bytes[header.size + 40] ^= 0x01;
  {
    std::ofstream out(segment, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
  }
  AuditReport report = MustVerify(ks);
  REQUIRE_FALSE(report.ok());
  CHECK_MESSAGE(
      HasProblem(report, 0, segment + " at byte " + std::to_string(header.size) + ": a damaged"),
      Describe(report));
  CHECK(ks.audit().Append(SignEvent("alice", {}, "after")).code() == Code::kTampered);
  CHECK(ks.audit().CheckWritable().code() == Code::kTampered);
}

}  // namespace
}  // namespace samp11
