// Shared suite: MaintenanceStore::Snapshot and StateLocation's restore (Stage, ReplaceLive,
// PromoteStaged, DiscardStaged), on every implementation (state_test_util.h).
#include <algorithm>

#include "state_dump.h"
#include "state_test_util.h"

namespace samp11 {
namespace {

using namespace testing;

const DumpScope kScope = {
    {"x", "y"},
    {{"j", "s1"}, {"j", "s2"}},
    {{"kk", "h"}},
    {"r1", "r2"},
};

void SetKeyStatus(StateStore& store, const std::string& id, const std::string& status,
                  int64_t changed) {
  KeyRow row = *Must(store.keys().FindKeyById(ToBytes(id)));
  row.status = status;
  row.status_changed = changed;
  row.status_mac = ToBytes("mac-" + status + "-" + std::to_string(changed));
  MustOk(status == "destroyed" ? store.keys().DestroyKey(row) : store.keys().UpdateKeyStatus(row));
}

// The state the backup is taken of.
void Populate(StateStore& store) {
  for (const char* name : {"alice", "bob", "dave"}) {
    MustOk(store.signers().InsertSigner(Signer(name, 11)));
  }
  MustOk(store.signers().InsertActivationKey(ActivationKey("alice-phone", "alice")));
  MustOk(store.signers().InsertActivationKey(ActivationKey("dave-phone", "dave")));
  MustOk(store.signers().InsertActivationKey(
      ActivationKey("dave-as", "dave", "authorization-server")));
  MustOk(store.pins().UpsertSignerPin(Pin("alice")));
  MustOk(store.pins().UpsertSignerPin(Pin("dave")));
  for (const char* name : {"alice", "dave"}) {
    SignerOtpRow otp;
    otp.name = name;
    otp.kind = "totp";
    otp.params = "SHA1:6:30";
    otp.wrapped_secret = ToBytes("wrapped");
    MustOk(store.otp().UpsertSignerOtp(otp));
  }
  std::vector<KeyRow> keys;
  for (const char* id : {"kd", "kx", "kt", "ko", "kk"}) keys.push_back(Key(id, "label", "alice"));
  MustOk(store.keys().InsertKeys(keys));
  SetKeyStatus(store, "ko", "disabled", 100);
  CertRow cert = Cert("kk", "cert");
  MustOk(store.certs().InsertCert(cert));
  CHECK(Must(store.replay().InsertSpentHash(Spent("j", "s1"))));
  MustOk(store.deposits().InsertDeposit(Deposit("d1", "kk", {"h"}, 500, 1)));
  MustOk(store.requests().InsertSadRequest(Request("r1", 1, 500)));
  MustOk(AppendRecord(store, Record("first")));
  MustOk(store.meta().SetMeta("x", "1"));
}

// What happens on the live state after the backup.
void ChangeAfterBackup(StateStore& store) {
  CHECK(Must(store.replay().InsertSpentHash(Spent("j", "s2"))));
  SetKeyStatus(store, "kd", "disabled", 200);
  SetKeyStatus(store, "kx", "destroyed", 200);
  SetKeyStatus(store, "kt", "disabled", 0);  // a tie: the live state's differing status wins
  SetKeyStatus(store, "ko", "enabled", 50);  // older than the backup's: the backup's stays
  SignerRow bob = Signer("bob", 11);
  bob.status = "disabled";
  bob.status_changed = 200;
  MustOk(store.signers().UpdateSignerStatus(bob));
  SignerRow dave = Signer("dave", 11);
  dave.status = "removed";
  dave.status_changed = 200;
  MustOk(store.signers().RemoveSigner(dave));
  KeyRow after = Key("k-after", "label", "alice");
  MustOk(store.keys().InsertKey(after));
  MustOk(AppendRecord(store, Record("second")));
  MustOk(store.meta().SetMeta("x", "2"));
  MustOk(store.deposits().InsertDeposit(Deposit("d2", "kk", {"h"}, 500, 2)));
  MustOk(store.requests().InsertSadRequest(Request("r2", 2, 500)));
}

TombstoneMacs RecordingTombstones(std::vector<std::string>& seen, bool fail = false) {
  TombstoneMacs macs;
  macs.key = [&seen, fail](const KeyRow& row) -> Result<Bytes> {
    if (fail) return Refusal();
    seen.push_back("key " + ToString(row.id) + " " + row.status + " " +
                   std::to_string(row.status_changed) + " " + std::to_string(row.certified));
    return ToBytes("tomb-" + ToString(row.id));
  };
  macs.signer = [&seen](const SignerRow& row) -> Result<Bytes> {
    seen.push_back("signer " + row.name + " " + std::to_string(row.created) + " " + row.status +
                   " " + std::to_string(row.status_changed));
    return ToBytes("tomb-" + row.name);
  };
  return macs;
}

TEST_CASE_TEMPLATE("state: a snapshot stages as a state of its own, the same rows", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto store = NewStore(states);
  StateImage empty = Must(store->maintenance().Snapshot());
  CHECK(empty.audit_last_seq == 0);
  CHECK(empty.schema_version > 0);
  Populate(*store);
  MustOk(AppendRecord(*store, Record("more")));
  StateImage image = Must(store->maintenance().Snapshot());
  CHECK(image.audit_last_seq == 2);
  CHECK(image.schema_version == empty.schema_version);

  auto location = states.Location("copy");
  auto staged = Must(location->Stage(image.bytes));
  CHECK(Dump(*staged, kScope) == Dump(*store, kScope));
  CHECK_FALSE(location->Exists());  // staged beside, not live
  staged.reset();
  std::string aside = "unchanged";
  MustOk(location->PromoteStaged("tag", &aside));
  CHECK(aside.empty());  // there was no live state
  CHECK(Dump(*Must(location->Open()), kScope) == Dump(*store, kScope));
}

TEST_CASE_TEMPLATE("state: Stage refuses bytes that are not its own image", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto location = states.Location("t");
  for (const std::string& bytes :
       {std::string(), std::string("not an image"), std::string(4096, '\0')}) {
    SecureBytes image(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    CHECK(location->Stage(image).status().code() == Code::kArgumentsBad);
  }
  std::string aside;
  CHECK_FALSE(location->PromoteStaged("tag", &aside).ok());  // nothing was staged
  CHECK_FALSE(location->Exists());
}

TEST_CASE("state: neither implementation stages the other's image") {
  SqliteStates sqlite;
  MemoryStates memory;
  auto sqlite_store = NewStore(sqlite);
  auto memory_store = NewStore(memory);
  Populate(*sqlite_store);
  Populate(*memory_store);
  StateImage sqlite_image = Must(sqlite_store->maintenance().Snapshot());
  StateImage memory_image = Must(memory_store->maintenance().Snapshot());
  CHECK(memory.Location("x")->Stage(sqlite_image.bytes).status().code() == Code::kArgumentsBad);
  CHECK(sqlite.Location("x")->Stage(memory_image.bytes).status().code() == Code::kArgumentsBad);
  CHECK(Must(memory.Location("y")->Stage(memory_image.bytes)) != nullptr);
  CHECK(Must(sqlite.Location("y")->Stage(sqlite_image.bytes)) != nullptr);
}

TEST_CASE_TEMPLATE("state: ReplaceLive carries spent hashes and newer statuses into the backup", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto location = states.Location("live");
  auto live = Must(location->Create());
  Populate(*live);
  StateImage image = Must(live->maintenance().Snapshot());
  ChangeAfterBackup(*live);
  const int64_t after_handle = Must(live->keys().FindKeyById(ToBytes("k-after")))->handle;
  const std::string before_restore = Dump(*live, kScope);
  const StateVersion version_before = Must(live->maintenance().KeyStateVersion());

  Must(location->Stage(image.bytes)).reset();
  std::vector<std::string> seen;
  std::string aside;
  ReplaceCounts counts = Must(location->ReplaceLive("tag", RecordingTombstones(seen), &aside));
  CHECK(counts.spent_hashes_merged == 1);
  CHECK(counts.key_statuses == 3);
  CHECK(counts.signer_statuses == 2);
  std::sort(seen.begin(), seen.end());
  CHECK(seen == std::vector<std::string>{"key kd disabled 200 0", "key kt disabled 0 0",
                                         "key kx destroyed 200 0", "signer bob 11 disabled 200",
                                         "signer dave 11 removed 200"});
  CHECK(aside == AsideName(states, "live", "tag"));

  // Stores open on the live state read the restored rows; their version moved.
  CHECK(Must(live->maintenance().KeyStateVersion()) != version_before);
  auto reopened = Must(location->Open());
  for (StateStore* store : {live.get(), reopened.get()}) {
    CHECK(Must(store->replay().IsHashSpent("kid-1", "j", ToBytes("s1"))));
    CHECK(Must(store->replay().IsHashSpent("kid-1", "j", ToBytes("s2"))));
    KeyRow kd = *Must(store->keys().FindKeyById(ToBytes("kd")));
    CHECK(kd.status == "disabled");
    CHECK(kd.status_changed == 200);
    CHECK(kd.status_mac == ToBytes("tomb-kd"));
    CHECK(kd.wrapped_private == ToBytes("wrapped-kd"));
    KeyRow kx = *Must(store->keys().FindKeyById(ToBytes("kx")));
    CHECK(kx.status == "destroyed");
    CHECK(kx.wrapped_private.empty());
    CHECK(kx.status_mac == ToBytes("tomb-kx"));
    CHECK(Must(store->keys().FindKeyById(ToBytes("kt")))->status == "disabled");
    KeyRow ko = *Must(store->keys().FindKeyById(ToBytes("ko")));
    CHECK(ko.status == "disabled");
    CHECK(ko.status_changed == 100);
    CHECK(ko.status_mac == ToBytes("mac-disabled-100"));
    CHECK(Must(store->keys().FindKeyById(ToBytes("kk")))->status == "enabled");
    CHECK_FALSE(Must(store->keys().FindKeyById(ToBytes("k-after"))).has_value());
    CHECK(Must(store->signers().FindSigner("bob"))->status_mac == ToBytes("tomb-bob"));
    CHECK(Must(store->signers().FindSigner("dave"))->status == "removed");
    CHECK(Must(store->signers().FindSigner("alice"))->status == "enabled");
    CHECK_FALSE(Must(store->signers().FindActivationKey("dave-phone")).has_value());
    CHECK(Must(store->signers().FindActivationKey("dave-as")).has_value());
    CHECK(Must(store->signers().FindActivationKey("alice-phone")).has_value());
    CHECK_FALSE(Must(store->pins().FindSignerPin("dave")).has_value());
    CHECK(Must(store->pins().FindSignerPin("alice")).has_value());
    CHECK_FALSE(Must(store->otp().FindSignerOtp("dave", "totp")).has_value());
    CHECK(Must(store->otp().FindSignerOtp("alice", "totp")).has_value());
    CHECK(*Must(store->meta().GetMeta("x")) == "1");
    CHECK(AuditSeqs(*store) == std::vector<int64_t>{1});
    CHECK(Must(store->audit().GetAuditTail()).head->seq == 1);
    CHECK(Must(store->certs().ListCerts(0, 10)).size() == 1);
    // Deposits and activation requests are not restored, not even those of the backup.
    CHECK(Must(store->deposits().FindDeposits(ToBytes("kk"), ToBytes("h"), 0, 10)).empty());
    CHECK_FALSE(Must(store->requests().FindSadRequest("r1")).has_value());
    CHECK_FALSE(Must(store->requests().FindSadRequest("r2")).has_value());
  }
  // A handle the live state gave is never given again.
  KeyRow next = Key("k-next", "label", "alice");
  MustOk(live->keys().InsertKey(next));
  CHECK(next.handle > after_handle);

  // The live contents from before, aside, open as a state of their own.
  CHECK(Dump(*Must(states.Named(aside)->Open()), kScope) == before_restore);
  std::string again;
  CHECK_FALSE(location->ReplaceLive("tag2", RecordingTombstones(seen), &again).ok());  // no stage
}

TEST_CASE_TEMPLATE("state: a failed ReplaceLive changes nothing and leaves nothing aside", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto location = states.Location("live");
  auto live = Must(location->Create());
  Populate(*live);
  StateImage image = Must(live->maintenance().Snapshot());
  ChangeAfterBackup(*live);
  const std::string before = Dump(*live, kScope);

  Must(location->Stage(image.bytes)).reset();
  std::vector<std::string> seen;
  std::string aside = "unchanged";
  CHECK(location->ReplaceLive("tag", RecordingTombstones(seen, /*fail=*/true), &aside)
            .status()
            .code() == Code::kInternal);
  CHECK(aside.empty());
  CHECK_FALSE(states.Named(AsideName(states, "live", "tag"))->Exists());
  location->DiscardStaged();
  CHECK(Dump(*live, kScope) == before);
  CHECK(Dump(*Must(location->Open()), kScope) == before);
}

TEST_CASE_TEMPLATE("state: PromoteStaged puts the stage in place and keeps the live state aside", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto source = NewStore(states, "source");
  Populate(*source);
  StateImage image = Must(source->maintenance().Snapshot());

  auto location = states.Location("live");
  {
    auto live = Must(location->Create());
    MustOk(live->meta().SetMeta("x", "the old one"));
  }
  Must(location->Stage(image.bytes)).reset();
  std::string aside;
  MustOk(location->PromoteStaged("tag", &aside));
  CHECK(aside == AsideName(states, "live", "tag"));
  CHECK(Dump(*Must(location->Open()), kScope) == Dump(*source, kScope));
  CHECK(*Must(Must(states.Named(aside)->Open())->meta().GetMeta("x")) == "the old one");
}

TEST_CASE_TEMPLATE("state: a new stage replaces a left-over one; a discarded stage is gone", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto first = NewStore(states, "first");
  MustOk(first->meta().SetMeta("x", "first"));
  auto second = NewStore(states, "second");
  MustOk(second->meta().SetMeta("x", "second"));
  StateImage first_image = Must(first->maintenance().Snapshot());
  StateImage second_image = Must(second->maintenance().Snapshot());

  auto location = states.Location("live");
  Must(location->Stage(first_image.bytes)).reset();
  Must(location->Stage(second_image.bytes)).reset();
  std::string aside;
  MustOk(location->PromoteStaged("tag", &aside));
  CHECK(*Must(Must(location->Open())->meta().GetMeta("x")) == "second");

  auto other = states.Location("other");
  Must(other->Stage(first_image.bytes)).reset();
  other->DiscardStaged();
  CHECK_FALSE(other->PromoteStaged("tag", &aside).ok());
  CHECK_FALSE(other->Exists());
}

}  // namespace
}  // namespace samp11
