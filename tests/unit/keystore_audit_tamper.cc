// The attacker can write the token file but does not hold the master key. Every edit of the
// audit log below must be found by VerifyAudit and named at the record where it was made, and
// only there: one edit, one problem.
#include <doctest/doctest.h>

#include "crypto/symmetric.h"
#include "keystore/aad.h"
#include "keystore/keystore.h"
#include "keystore/master_key.h"
#include "keystore_audit_util.h"
#include "keystore_test_util.h"

namespace samp11 {
namespace {

using testing::AppendSigns;
using testing::Describe;
using testing::HasProblem;
using testing::MustVerify;
using testing::NewToken;
using testing::RawDb;
using testing::SignEvent;
using testing::SwapAuditRows;
using testing::TempDir;
using testing::TestToken;

constexpr int kRecords = 10;

// A token with ten records, its creation (seq 1) and nine signs; verified through a keystore
// reopened after the edit, so no state kept in memory can hide it.
struct Fixture {
  TempDir dir;
  TestToken token;

  Fixture() {
    token = NewToken(dir);
    AppendSigns(*token.keystore, kRecords - 1);
    token.keystore.reset();
  }

  void Exec(const std::string& sql) {
    RawDb raw(token.path);
    raw.Exec(sql);
  }

  AuditReport Verify() {
    auto ks = testing::OpenTestKeystore(token.path, token.master);
    REQUIRE_MESSAGE(ks.ok(), ks.status().ToString());
    return MustVerify(**ks);
  }
};

void CheckOnly(const AuditReport& report, int64_t seq, const std::string& words) {
  CHECK_MESSAGE(report.problems.size() == 1, Describe(report));
  CHECK_MESSAGE(HasProblem(report, seq, words), Describe(report));
  CHECK_FALSE(report.ok());
}

TEST_CASE("audit tamper: an untouched log is intact") {
  Fixture f;
  AuditReport report = f.Verify();
  CHECK_MESSAGE(report.ok(), Describe(report));
  CHECK(report.records == kRecords);
  CHECK(report.first_seq == 1);
  CHECK(report.last_seq == kRecords);
}

TEST_CASE("audit tamper: an edited field is named at its record" * testing::SqliteOnly()) {
  Fixture f;
  const char* edits[] = {
      "UPDATE audit_log SET detail = 'nothing to see' WHERE seq = 4",
      "UPDATE audit_log SET outcome = 'refused' WHERE seq = 4",
      "UPDATE audit_log SET signer = 'mallory' WHERE seq = 4",
      "UPDATE audit_log SET key_id = x'00' WHERE seq = 4",
      "UPDATE audit_log SET at = at + 3600 WHERE seq = 4",
      "UPDATE audit_log SET pid = 1 WHERE seq = 4",
      "UPDATE audit_log SET event = 'login-user' WHERE seq = 4",
      "UPDATE audit_log SET kid = 'other' WHERE seq = 4",
      "UPDATE audit_log SET jti = 'other' WHERE seq = 4",
  };
  for (const char* edit : edits) {
    CAPTURE(edit);
    Fixture g;
    g.Exec(edit);
    CheckOnly(g.Verify(), 4, "record 4 was edited (its fields do not match its chain)");
  }
  // Two neighbours edited: both named.
  f.Exec("UPDATE audit_log SET outcome = 'error' WHERE seq = 5");
  f.Exec("UPDATE audit_log SET signer = 'mallory' WHERE seq = 6");
  AuditReport report = f.Verify();
  CHECK_MESSAGE(report.problems.size() == 2, Describe(report));
  CHECK(HasProblem(report, 5, "record 5 was edited"));
  CHECK(HasProblem(report, 6, "record 6 was edited"));
}

TEST_CASE("audit tamper: the first and the last record are checked like the others" *
          testing::SqliteOnly()) {
  Fixture f;
  f.Exec("UPDATE audit_log SET detail = 'x' WHERE seq = 1");
  f.Exec("UPDATE audit_log SET detail = 'x' WHERE seq = 10");
  AuditReport report = f.Verify();
  CHECK_MESSAGE(report.problems.size() == 2, Describe(report));
  CHECK(HasProblem(report, 1, "record 1 was edited"));
  CHECK(HasProblem(report, 10, "record 10 was edited"));
}

TEST_CASE("audit tamper: an edited MAC or chain value is named" * testing::SqliteOnly()) {
  Fixture f;
  SUBCASE("mac") {
    f.Exec("UPDATE audit_log SET mac = zeroblob(32) WHERE seq = 6");
    CheckOnly(f.Verify(), 6, "record 6 was edited or forged (its MAC does not match)");
  }
  SUBCASE("chain") {
    f.Exec("UPDATE audit_log SET chain = zeroblob(32) WHERE seq = 6");
    CheckOnly(f.Verify(), 6, "record 6 was edited (its chain value was changed)");
  }
  SUBCASE("chain of the last record") {
    f.Exec("UPDATE audit_log SET chain = zeroblob(32) WHERE seq = 10");
    CheckOnly(f.Verify(), 10, "record 10 was edited (its chain value was changed)");
  }
}

TEST_CASE("audit tamper: deleted records are named as missing" * testing::SqliteOnly()) {
  Fixture f;
  SUBCASE("one in the middle") {
    f.Exec("DELETE FROM audit_log WHERE seq = 5");
    CheckOnly(f.Verify(), 5, "record 5 is missing");
  }
  SUBCASE("a run") {
    f.Exec("DELETE FROM audit_log WHERE seq BETWEEN 3 AND 5");
    CheckOnly(f.Verify(), 3, "records 3..5 are missing");
  }
  SUBCASE("the first") {
    f.Exec("DELETE FROM audit_log WHERE seq = 1");
    CheckOnly(f.Verify(), 1, "record 1 is missing");
  }
  SUBCASE("the last ones, found through the head") {
    f.Exec("DELETE FROM audit_log WHERE seq > 7");
    CheckOnly(f.Verify(), 8, "the last 3 records were removed (records 8..10)");
  }
  SUBCASE("the very last") {
    f.Exec("DELETE FROM audit_log WHERE seq = 10");
    CheckOnly(f.Verify(), 10, "the last record was removed (record 10)");
  }
  SUBCASE("all of them") {
    f.Exec("DELETE FROM audit_log");
    CheckOnly(f.Verify(), 1, "the last 10 records were removed (records 1..10)");
  }
  SUBCASE("the last ones and the head moved back onto them") {
    f.Exec("DELETE FROM audit_log WHERE seq > 7");
    f.Exec(
        "UPDATE audit_head SET (seq, chain, mac) = (SELECT seq, chain, mac FROM audit_log "
        "WHERE seq = 7)");
    CheckOnly(f.Verify(), 7, "the head does not match (its MAC does not match)");
  }
}

TEST_CASE("audit tamper: swapped records are named at both places" * testing::SqliteOnly()) {
  Fixture f;
  SUBCASE("far apart") {
    RawDb db(f.token.path);
    SwapAuditRows(db, 3, 7);
    AuditReport report = f.Verify();
    CHECK_MESSAGE(report.problems.size() == 2, Describe(report));
    CHECK(HasProblem(report, 3, "record 3 is out of order"));
    CHECK(HasProblem(report, 7, "record 7 is out of order"));
  }
  SUBCASE("neighbours") {
    RawDb db(f.token.path);
    SwapAuditRows(db, 4, 5);
    AuditReport report = f.Verify();
    CHECK_MESSAGE(report.problems.size() == 2, Describe(report));
    CHECK(HasProblem(report, 4, "record 4 is out of order"));
    CHECK(HasProblem(report, 5, "record 5 is out of order"));
  }
  SUBCASE("the last with another") {
    RawDb db(f.token.path);
    SwapAuditRows(db, 2, 10);
    AuditReport report = f.Verify();
    CHECK_MESSAGE(report.problems.size() == 2, Describe(report));
    CHECK(HasProblem(report, 2, "record 2 is out of order"));
    CHECK(HasProblem(report, 10, "record 10 is out of order"));
  }
  SUBCASE("renumbered") {
    // Moving rows by their seq instead of their contents is the same swap.
    f.Exec("UPDATE audit_log SET seq = -3 WHERE seq = 3");
    f.Exec("UPDATE audit_log SET seq = 3 WHERE seq = 8");
    f.Exec("UPDATE audit_log SET seq = 8 WHERE seq = -3");
    AuditReport report = f.Verify();
    CHECK_MESSAGE(report.problems.size() == 2, Describe(report));
    CHECK(HasProblem(report, 3, "out of order"));
    CHECK(HasProblem(report, 8, "out of order"));
  }
}

TEST_CASE("audit tamper: records added behind the module's back or a replayed head" *
          testing::SqliteOnly()) {
  Fixture f;
  SUBCASE("a copy of a record appended past the head") {
    f.Exec(
        "INSERT INTO audit_log SELECT 11, at, pid, event, outcome, signer, key_id, kid, jti, "
        "detail, chain, mac FROM audit_log WHERE seq = 10");
    CheckOnly(f.Verify(), 11, "record 11 is past the head");
  }
  SUBCASE("an old head put back after more appends") {
    f.Exec("CREATE TABLE saved_head AS SELECT * FROM audit_head");  // the attacker's copy
    {
      auto ks = testing::OpenTestKeystore(f.token.path, f.token.master);
      REQUIRE(ks.ok());
      AppendSigns(**ks, 2, 11);
    }
    f.Exec("UPDATE audit_head SET (seq, chain, mac) = (SELECT seq, chain, mac FROM saved_head)");
    CheckOnly(f.Verify(), 11, "records 11..12 are past the head");
  }
  SUBCASE("a record's MAC put in the head") {
    f.Exec(
        "UPDATE audit_head SET (seq, chain, mac) = (SELECT seq, chain, mac FROM audit_log "
        "WHERE seq = 10)");
    CheckOnly(f.Verify(), 10, "the head does not match (its MAC does not match)");
  }
  SUBCASE("the head deleted") {
    f.Exec("DELETE FROM audit_head");
    CheckOnly(f.Verify(), 10, "the head is missing");
  }
  SUBCASE("every record and the head: the log cannot start again") {
    // No key is needed for this. Before the log was anchored to its token, it verified as an
    // empty log and the module began a new, valid chain at record 1.
    f.Exec("DELETE FROM audit_log");
    f.Exec("DELETE FROM audit_head");
    CheckOnly(f.Verify(), 1, "the log is empty: every record and the head were removed");
    auto ks = testing::OpenTestKeystore(f.token.path, f.token.master);
    REQUIRE(ks.ok());
    CHECK((*ks)->audit().Append(SignEvent("alice", {}, "after")).code() == Code::kTampered);
    CHECK((*ks)->audit().CheckWritable().code() == Code::kTampered);
    // Nothing is changed that the log could not record, and the log stays empty.
    CHECK((*ks)->signers().AddSigner("zed").code() == Code::kTampered);
    CHECK_FALSE(*(*ks)->signers().SignerExists("zed"));
    CheckOnly(f.Verify(), 1, "the log is empty");
  }
  SUBCASE("a row with an impossible seq") {
    f.Exec(
        "INSERT INTO audit_log SELECT 0, at, pid, event, outcome, signer, key_id, kid, jti, "
        "detail, chain, mac FROM audit_log WHERE seq = 1");
    CheckOnly(f.Verify(), 0, "record 0 has an impossible seq");
  }
}

// A token made before its log was anchored: master_check is the unanchored value (aad.h), and
// its log may be empty. The test makes one by writing that value back.
void MakeUnanchored(const TestToken& token, const std::string& identity) {
  auto master = LoadMasterKey(token.master, Bytes());
  REQUIRE(master.ok());
  auto keys = DeriveKeys(*master);
  REQUIRE(keys.ok());
  auto check = HmacSha256(keys->check, MasterCheckInput(identity, /*audit_anchored=*/false));
  REQUIRE(check.ok());
  RawDb db(token.path);
  db.Exec("UPDATE meta SET value = '" + HexEncode(*check) + "' WHERE name = 'master_check'");
}

TEST_CASE("audit tamper: a token made before anchoring is anchored by its next open" *
          testing::SqliteOnly()) {
  Fixture f;
  std::string identity;
  {
    auto ks = testing::OpenTestKeystore(f.token.path, f.token.master);
    REQUIRE(ks.ok());
    identity = (*ks)->identity();
  }
  SUBCASE("with records: the anchor goes after them") {
    MakeUnanchored(f.token, identity);
    auto ks = testing::OpenTestKeystore(f.token.path, f.token.master);
    REQUIRE(ks.ok());
    auto last = (*ks)->audit().List(AuditFilter(), kRecords);
    REQUIRE(last.ok());
    REQUIRE(last->size() == 1);
    CHECK(last->front().seq == kRecords + 1);
    CHECK(last->front().event.event == "audit-anchor");
    ks->reset();
    CHECK_MESSAGE(f.Verify().ok(), Describe(f.Verify()));
    // From now on an emptied log is named, and the token stays anchored.
    f.Exec("DELETE FROM audit_log");
    f.Exec("DELETE FROM audit_head");
    CheckOnly(f.Verify(), 1, "the log is empty");
  }
  SUBCASE("an empty one: anchored too, as it cannot be told from one emptied by hand") {
    f.Exec("DELETE FROM audit_log");
    f.Exec("DELETE FROM audit_head");
    MakeUnanchored(f.token, identity);
    AuditReport report = f.Verify();  // the open anchors it: record 1 is the anchor
    CHECK_MESSAGE(report.ok(), Describe(report));
    CHECK(report.records == 1);
    f.Exec("DELETE FROM audit_log");
    f.Exec("DELETE FROM audit_head");
    CheckOnly(f.Verify(), 1, "the log is empty");
  }
  SUBCASE("a log that cannot take the anchor: the token still opens, unanchored, to be looked at") {
    f.Exec("DELETE FROM audit_head");  // evidence: no record may go after it
    MakeUnanchored(f.token, identity);
    const std::string unanchored =
        RawDb(f.token.path).QueryText("SELECT value FROM meta WHERE name = 'master_check'");
    auto ks = testing::OpenTestKeystore(f.token.path, f.token.master);
    REQUIRE_MESSAGE(ks.ok(), ks.status().ToString());
    AuditReport report = MustVerify(**ks);
    CHECK_MESSAGE(HasProblem(report, kRecords, "the head is missing"), Describe(report));
    CHECK(report.records == kRecords);  // no anchor record was written
    ks->reset();
    CHECK(RawDb(f.token.path).QueryText("SELECT value FROM meta WHERE name = 'master_check'") ==
          unanchored);
  }
  SUBCASE("a wrong master key is still refused, whichever check value is stored") {
    MakeUnanchored(f.token, identity);
    MasterKeySource wrong = f.token.master;
    wrong.location = f.token.path + ".other-key";
    REQUIRE(CreateMasterKeyFile(wrong.location).ok());
    auto ks = testing::OpenTestKeystore(f.token.path, wrong);
    REQUIRE_FALSE(ks.ok());
    CHECK(ks.status().code() == Code::kConfig);
  }
}

}  // namespace
}  // namespace samp11
