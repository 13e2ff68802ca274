// Keystore::MigrateTo (keystore_migrate.cc): the token's rows, checked, copied to a place that
// holds nothing, the copy checked and compared; every refusal leaves nothing at the target and the
// source as it was. On the SQLite file and on the memory state (SAMP11_TEST_STATE); the move
// between them and PostgreSQL is tests/integration/migrate_cli_test.sh's.
#include <doctest/doctest.h>

#include <filesystem>

#include "crypto/keys.h"
#include "keystore_test_util.h"
#include "tests/support/failing_state_store.h"

namespace samp11 {
namespace {

using testing::TempDir;

SpentHashRow Spend(const std::string& jti) {
  SpentHashRow row;
  row.kid = "alice-dev";
  row.jti = jti;
  row.hash = Bytes(32, 0xab);
  row.key_id = ToBytes("k1");
  row.sad_exp = 4'000'000'000;
  row.spent_at = 1;
  return row;
}

AuditEvent SignEvent(const std::string& jti) {
  AuditEvent event;
  event.event = audit_event::kSign;
  event.outcome = audit_outcome::kOk;
  event.signer = "alice";
  event.key_id = ToBytes("k1");
  event.jti = jti;
  return event;
}

// alice with a device key and a key that signed once.
void Populate(Keystore& ks) {
  REQUIRE(ks.signers().AddSigner("alice").ok());
  auto device = GenerateKey(KeyType::kEcP256);
  REQUIRE(device.ok());
  REQUIRE(ks.signers()
              .AddActivationKey(ActivationKeyRole::kDevice, "alice", device->get(), "alice-dev")
              .ok());
  REQUIRE(ks.keys().GenerateKey("alice", KeyType::kEcP256, "alice key", 2, ToBytes("k1")).ok());
  auto won = ks.audit().RecordSignature(Spend("j1"), SignEvent("j1"), "spent");
  REQUIRE(won.ok());
  REQUIRE(*won);
}

std::vector<std::string> Events(Keystore& ks) {
  std::vector<std::string> events;
  auto records = ks.audit().List(AuditFilter{}, 0);
  REQUIRE(records.ok());
  for (const AuditRecord& r : *records) events.push_back(r.event.event);
  return events;
}

// Nothing at path: no state, and (for a file) no stage left beside it.
void NothingAt(const std::string& path) {
  CHECK_FALSE(testing::TestLocation(path)->Exists());
  CHECK_FALSE(std::filesystem::exists(path + ".restoring"));
}

TEST_CASE("migrate: every row moves to a new place, where it checks, opens and signs on") {
  TempDir dir;
  testing::TestToken token = testing::NewToken(dir);
  Keystore& ks = *token.keystore;
  Populate(ks);
  const std::vector<std::string> before = Events(ks);
  const std::string copy_path = dir.File("copy.db");

  auto report = ks.MigrateTo(*testing::TestLocation(copy_path), token.master, "a test");
  REQUIRE_MESSAGE(report.ok(), report.status().ToString());
  CHECK(report->copied.problems.empty());
  CHECK(report->copied.signers == 1);
  CHECK(report->copied.keys == 1);
  CHECK(report->copied.spent_hashes == 1);
  CHECK(report->chains_carried == std::vector<std::string>{""});
  CHECK(report->chains_left.empty());
  CHECK(report->target_chain.empty());
  CHECK(report->migrate_record == static_cast<int64_t>(before.size()) + 1);

  auto copy = testing::OpenTestKeystore(copy_path, token.master);
  REQUIRE_MESSAGE(copy.ok(), copy.status().ToString());
  CHECK((*copy)->identity() == ks.identity());
  std::vector<std::string> expected = before;
  expected.push_back(audit_event::kMigrate);
  CHECK(Events(**copy) == expected);
  auto verified = (*copy)->audit().Verify();
  REQUIRE(verified.ok());
  CHECK(verified->ok());
  auto keys = (*copy)->keys().ListKeys(0, 10);
  REQUIRE(keys.ok());
  REQUIRE(keys->size() == 1);
  CHECK((*copy)->keys().Unwrap(keys->front().handle).ok());
  // The spend came along: the same hash of the same SAD is spent there too.
  auto again = (*copy)->audit().RecordSignature(Spend("j1"), SignEvent("j1"), "spent");
  REQUIRE(again.ok());
  CHECK_FALSE(*again);
  // The source is as it was.
  CHECK(Events(ks) == before);
}

TEST_CASE("migrate: a place that holds something is refused") {
  TempDir dir;
  testing::TestToken token = testing::NewToken(dir);
  Populate(*token.keystore);
  const std::string taken = dir.File("taken.db");
  REQUIRE(testing::CreateTestKeystore(taken, token.master, "taken").ok());
  auto refused = token.keystore->MigrateTo(*testing::TestLocation(taken), token.master, "a test");
  CHECK(refused.status().code() == Code::kAlreadyExists);
  auto still = testing::OpenTestKeystore(taken, token.master);
  REQUIRE(still.ok());
  CHECK((*still)->label() == "taken");
}

TEST_CASE("migrate: a row that fails its check refuses it, naming the row, with nothing written") {
  TempDir dir;
  testing::TestToken token = testing::NewToken(dir);
  Populate(*token.keystore);
  // Another user of the state edits alice's status without the master key.
  auto raw = testing::RawStore(token.path);
  auto alice = raw->signers().FindSigner("alice");
  REQUIRE(alice.ok());
  REQUIRE(alice->has_value());
  SignerRow edited = **alice;
  edited.status = "disabled";
  edited.status_changed = 7;
  REQUIRE(raw->signers().UpdateSignerStatus(edited).ok());
  const std::string copy_path = dir.File("copy.db");
  auto refused =
      token.keystore->MigrateTo(*testing::TestLocation(copy_path), token.master, "a test");
  CHECK(refused.status().code() == Code::kTampered);
  CHECK(refused.status().message().find(
            "the status of signer 'alice' failed its integrity check") != std::string::npos);
  NothingAt(copy_path);
}

// A store whose second Contents (the source read again after the copy) sees a spend another
// process made meanwhile.
class SpendsDuringCopy : public StateStore, public MaintenanceStore {
 public:
  explicit SpendsDuringCopy(std::unique_ptr<StateStore> inner) : inner_(std::move(inner)) {}
  MetaStore& meta() override { return inner_->meta(); }
  SignerStore& signers() override { return inner_->signers(); }
  KeyStore& keys() override { return inner_->keys(); }
  CertStore& certs() override { return inner_->certs(); }
  ReplayStore& replay() override { return inner_->replay(); }
  JournalStore& journal() override { return inner_->journal(); }
  DepositStore& deposits() override { return inner_->deposits(); }
  RequestStore& requests() override { return inner_->requests(); }
  PinStore& pins() override { return inner_->pins(); }
  OtpStore& otp() override { return inner_->otp(); }
  AuditStore& audit() override { return inner_->audit(); }
  MaintenanceStore& maintenance() override { return *this; }

  Result<StateVersion> KeyStateVersion() override {
    return inner_->maintenance().KeyStateVersion();
  }
  Result<int64_t> FillMissingLifecycleMacs(const LifecycleMacs& macs) override {
    return inner_->maintenance().FillMissingLifecycleMacs(macs);
  }
  int64_t MigratedFromSchema() const override { return inner_->maintenance().MigratedFromSchema(); }
  Status Rekey(const RekeyPlan& plan) override { return inner_->maintenance().Rekey(plan); }
  Result<StateImage> Snapshot() override { return inner_->maintenance().Snapshot(); }
  Result<StateContents> Contents() override {
    if (++reads_ == 2) {
      auto spent = inner_->replay().InsertSpentHash(Spend("j2"));
      REQUIRE(spent.ok());
    }
    return inner_->maintenance().Contents();
  }

 private:
  std::unique_ptr<StateStore> inner_;
  int reads_ = 0;
};

TEST_CASE("migrate: a source written to while it was copied is refused, the copy removed") {
  TempDir dir;
  testing::TestToken token = testing::NewToken(dir);
  Populate(*token.keystore);
  token.keystore.reset();
  auto inner = testing::TestLocation(token.path)->Open();
  REQUIRE(inner.ok());
  auto ks =
      Keystore::Open(std::make_unique<SpendsDuringCopy>(std::move(inner).value()), token.master);
  REQUIRE(ks.ok());
  const std::string copy_path = dir.File("copy.db");
  auto refused = (*ks)->MigrateTo(*testing::TestLocation(copy_path), token.master, "a test");
  CHECK(refused.status().code() == Code::kRejected);
  CHECK(refused.status().message().find("changed while it was copied") != std::string::npos);
  NothingAt(copy_path);
}

TEST_CASE("migrate: a failure once the copy is staged leaves nothing at the target") {
  TempDir dir;
  testing::TestToken token = testing::NewToken(dir);
  Populate(*token.keystore);
  token.keystore.reset();
  auto plan = std::make_shared<testing::FaultPlan>();
  auto inner = testing::TestLocation(token.path)->Open();
  REQUIRE(inner.ok());
  auto ks = Keystore::Open(
      std::make_unique<testing::FailingStateStore>(std::move(inner).value(), plan), token.master);
  REQUIRE(ks.ok());
  plan->FailNth("maintenance.Contents", 2, testing::Fault::ErrorBefore(Code::kStorage));
  const std::string copy_path = dir.File("copy.db");
  auto failed = (*ks)->MigrateTo(*testing::TestLocation(copy_path), token.master, "a test");
  CHECK(failed.status().code() == Code::kStorage);
  CHECK(plan->CallCount("maintenance.Contents") == 2);
  NothingAt(copy_path);
}

}  // namespace
}  // namespace samp11
