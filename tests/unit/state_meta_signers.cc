// Shared suite: MetaStore and SignerStore, on every implementation (state_test_util.h).
#include "state_dump.h"
#include "state_test_util.h"

namespace samp11 {
namespace {

using namespace testing;

TEST_CASE_TEMPLATE("state: Create makes a state once, Open finds it, stores share it", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto location = states.Location("t");
  CHECK_FALSE(location->Exists());
  CHECK(location->Open().status().code() == Code::kNotFound);
  auto created = Must(location->Create());
  CHECK(location->Exists());
  CHECK(states.Location("t")->Create().status().code() == Code::kAlreadyExists);
  CHECK_FALSE(location->name().empty());
  auto opened = Must(states.Location("t")->Open());
  MustOk(created->meta().InsertMeta("x", "1"));
  CHECK(*Must(opened->meta().GetMeta("x")) == "1");
  CHECK(states.Location("u")->Open().status().code() == Code::kNotFound);
  CHECK_FALSE(Must(NewStore(states, "u")->meta().GetMeta("x")).has_value());
}

TEST_CASE_TEMPLATE("state: meta is write-once by InsertMeta, replaced by SetMeta", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto store = NewStore(states);
  CHECK_FALSE(Must(store->meta().GetMeta("x")).has_value());
  MustOk(store->meta().InsertMeta("x", "1"));
  CHECK(store->meta().InsertMeta("x", "2").code() == Code::kAlreadyExists);
  CHECK(*Must(store->meta().GetMeta("x")) == "1");
  MustOk(store->meta().SetMeta("x", "3"));
  CHECK(*Must(store->meta().GetMeta("x")) == "3");
  MustOk(store->meta().SetMeta("y", ""));
  CHECK(*Must(store->meta().GetMeta("y")) == "");
  CHECK(store->meta().InsertMeta("y", "z").code() == Code::kAlreadyExists);
}

TEST_CASE_TEMPLATE("state: signers are unique, read back whole, listed by name", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto store = NewStore(states);
  SignerRow carol = Signer("carol", 3);
  carol.status = "disabled";
  carol.status_changed = 9;
  for (const SignerRow& row : {carol, Signer("alice"), Signer("bob")}) {
    MustOk(store->signers().InsertSigner(row));
  }
  SignerRow again = Signer("alice", 99);
  CHECK(store->signers().InsertSigner(again).code() == Code::kAlreadyExists);

  std::optional<SignerRow> found = Must(store->signers().FindSigner("carol"));
  REQUIRE(found);
  CHECK(found->name == "carol");
  CHECK(found->created == 3);
  CHECK(found->mac == carol.mac);
  CHECK(found->status == "disabled");
  CHECK(found->status_changed == 9);
  CHECK(found->status_mac == carol.status_mac);
  CHECK(Must(store->signers().FindSigner("alice"))->created == 1);  // the first insert stays
  CHECK_FALSE(Must(store->signers().FindSigner("dave")).has_value());

  std::vector<std::string> names;
  for (const SignerRow& row : Must(store->signers().ListSigners())) names.push_back(row.name);
  CHECK(names == std::vector<std::string>{"alice", "bob", "carol"});
}

TEST_CASE_TEMPLATE("state: a signer's status update writes its three columns only", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto store = NewStore(states);
  MustOk(store->signers().InsertSigner(Signer("alice", 5)));
  SignerRow update = Signer("alice", 77);
  update.mac = ToBytes("other mac");
  update.status = "disabled";
  update.status_changed = 50;
  update.status_mac = ToBytes("new status mac");
  MustOk(store->signers().UpdateSignerStatus(update));
  SignerRow stored = *Must(store->signers().FindSigner("alice"));
  CHECK(stored.status == "disabled");
  CHECK(stored.status_changed == 50);
  CHECK(stored.status_mac == ToBytes("new status mac"));
  CHECK(stored.created == 5);
  CHECK(stored.mac == Signer("alice").mac);

  update.name = "nobody";
  CHECK(store->signers().UpdateSignerStatus(update).code() == Code::kNotFound);
  CHECK_FALSE(Must(store->signers().FindSigner("nobody")).has_value());
}

TEST_CASE_TEMPLATE("state: activation keys are unique, read back whole, listed by kid", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto store = NewStore(states);
  MustOk(store->signers().InsertActivationKey(ActivationKey("k2", "alice")));
  MustOk(
      store->signers().InsertActivationKey(ActivationKey("as", "issuer", "authorization-server")));
  MustOk(store->signers().InsertActivationKey(ActivationKey("k1", "bob")));
  CHECK(store->signers().InsertActivationKey(ActivationKey("k1", "carol")).code() ==
        Code::kAlreadyExists);

  ActivationKeyRow found = *Must(store->signers().FindActivationKey("as"));
  ActivationKeyRow expected = ActivationKey("as", "issuer", "authorization-server");
  CHECK(found.kid == expected.kid);
  CHECK(found.role == expected.role);
  CHECK(found.owner == expected.owner);
  CHECK(found.alg == expected.alg);
  CHECK(found.public_spki == expected.public_spki);
  CHECK(found.created == expected.created);
  CHECK(found.mac == expected.mac);
  CHECK(Must(store->signers().FindActivationKey("k1"))->owner == "bob");
  CHECK_FALSE(Must(store->signers().FindActivationKey("k3")).has_value());

  std::vector<std::string> kids;
  for (const auto& row : Must(store->signers().ListActivationKeys())) kids.push_back(row.kid);
  CHECK(kids == std::vector<std::string>{"as", "k1", "k2"});
}

TEST_CASE_TEMPLATE("state: deleting an activation key takes that key only; its users see it gone",
                   S, SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto store = NewStore(states);
  auto other = OpenStore(states);  // another user of the state: another process's view
  MustOk(store->signers().InsertActivationKey(ActivationKey("k1", "alice")));
  MustOk(store->signers().InsertActivationKey(ActivationKey("k2", "alice")));
  CHECK(Must(other->signers().FindActivationKey("k1")).has_value());
  const StateVersion mine = Must(store->maintenance().KeyStateVersion());
  const StateVersion theirs = Must(other->maintenance().KeyStateVersion());

  MustOk(store->signers().DeleteActivationKey("k1"));
  CHECK_FALSE(Must(store->signers().FindActivationKey("k1")).has_value());
  CHECK_FALSE(Must(other->signers().FindActivationKey("k1")).has_value());
  CHECK(Must(other->signers().FindActivationKey("k2")).has_value());
  // Both versions move, so a cache of either user reads the keys afresh.
  CHECK(Must(store->maintenance().KeyStateVersion()) != mine);
  CHECK(Must(other->maintenance().KeyStateVersion()) != theirs);

  // Nothing to delete: kNotFound, and nothing moves.
  const StateVersion before = Must(store->maintenance().KeyStateVersion());
  CHECK(store->signers().DeleteActivationKey("k1").code() == Code::kNotFound);
  CHECK(store->signers().DeleteActivationKey("nobody").code() == Code::kNotFound);
  CHECK(Must(store->maintenance().KeyStateVersion()) == before);
  CHECK(Must(store->signers().ListActivationKeys()).size() == 1);
}

TEST_CASE_TEMPLATE("state: activation key status updates write status, time and MAC, all or none",
                   S, SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto store = NewStore(states);
  auto other = OpenStore(states);
  MustOk(
      store->signers().InsertActivationKey(ActivationKey("as-1", "idp", "authorization-server")));
  MustOk(
      store->signers().InsertActivationKey(ActivationKey("as-2", "idp", "authorization-server")));
  const ActivationKeyRow untouched = Must(store->signers().FindActivationKey("as-2")).value();
  CHECK(untouched.status == "enabled");
  CHECK(untouched.status_changed == 0);
  const StateVersion theirs = Must(other->maintenance().KeyStateVersion());

  ActivationKeyRow one = Must(store->signers().FindActivationKey("as-1")).value();
  one.status = "disabled";
  one.status_changed = 77;
  one.mac = ToBytes("new-mac");
  one.owner = "someone else";  // not written: the update takes status, time and MAC only
  MustOk(store->signers().UpdateActivationKeys({one}));
  const ActivationKeyRow read = Must(other->signers().FindActivationKey("as-1")).value();
  CHECK(read.status == "disabled");
  CHECK(read.status_changed == 77);
  CHECK(read.mac == ToBytes("new-mac"));
  CHECK(read.owner == "idp");
  CHECK(Must(other->maintenance().KeyStateVersion()) != theirs);  // other users look again

  // One row missing: nothing written.
  ActivationKeyRow two = untouched;
  two.status = "disabled";
  two.status_changed = 78;
  ActivationKeyRow missing = two;
  missing.kid = "nobody";
  CHECK(store->signers().UpdateActivationKeys({two, missing}).code() == Code::kNotFound);
  CHECK(Must(store->signers().FindActivationKey("as-2")).value().status == "enabled");
}

TEST_CASE_TEMPLATE("state: subjects enrolled as signers: by (issuer, subject), unique, listed", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto store = NewStore(states);
  auto other = OpenStore(states);
  MustOk(store->signers().InsertSigner(Signer("alice")));
  MustOk(store->signers().InsertSigner(Signer("bob")));
  MustOk(store->signers().InsertSignerSubject(Subject("https://b", "s1", "alice")));
  MustOk(store->signers().InsertSignerSubject(Subject("https://a", "s2", "bob")));
  MustOk(store->signers().InsertSignerSubject(Subject("https://a", "s1", "alice")));
  // (issuer, subject) names one signer: the same subject again is refused, whoever it names.
  CHECK(store->signers().InsertSignerSubject(Subject("https://a", "s1", "bob")).code() ==
        Code::kAlreadyExists);
  // Only an enrolled signer (the foreign key of the SQL states).
  CHECK(store->signers().InsertSignerSubject(Subject("https://a", "s9", "nobody")).code() ==
        Code::kNotFound);

  SignerSubjectRow found = *Must(other->signers().FindSignerSubject("https://a", "s1"));
  SignerSubjectRow expected = Subject("https://a", "s1", "alice");
  CHECK(found.issuer == expected.issuer);
  CHECK(found.subject == expected.subject);
  CHECK(found.signer == expected.signer);
  CHECK(found.created == expected.created);
  CHECK(found.mac == expected.mac);
  CHECK_FALSE(Must(other->signers().FindSignerSubject("https://a", "s3")).has_value());
  CHECK_FALSE(Must(other->signers().FindSignerSubject("https://c", "s1")).has_value());

  std::vector<std::string> listed;
  for (const auto& row : Must(other->signers().ListSignerSubjects())) {
    listed.push_back(row.issuer + " " + row.subject);
  }
  CHECK(listed == std::vector<std::string>{"https://a s1", "https://a s2", "https://b s1"});

  MustOk(store->signers().DeleteSignerSubject("https://a", "s1"));
  CHECK_FALSE(Must(other->signers().FindSignerSubject("https://a", "s1")).has_value());
  CHECK(store->signers().DeleteSignerSubject("https://a", "s1").code() == Code::kNotFound);
  CHECK(Must(store->signers().ListSignerSubjects()).size() == 2);
}

TEST_CASE_TEMPLATE("state: an issuer's key set replaced: inserts and deletes, all or none", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto store = NewStore(states);
  auto other = OpenStore(states);
  MustOk(
      store->signers().InsertActivationKey(ActivationKey("old-1", "idp", "authorization-server")));
  MustOk(
      store->signers().InsertActivationKey(ActivationKey("old-2", "idp", "authorization-server")));
  MustOk(store->signers().InsertActivationKey(ActivationKey("dev", "alice")));
  const StateVersion theirs = Must(other->maintenance().KeyStateVersion());
  const std::string before = Dump(*store);

  // A deleted kid missing, or an inserted one taken: nothing written.
  CHECK(store->signers()
            .ReplaceActivationKeys({ActivationKey("new-1", "idp", "authorization-server")},
                                   {"old-1", "nobody"})
            .code() == Code::kNotFound);
  CHECK(store->signers()
            .ReplaceActivationKeys({ActivationKey("new-1", "idp", "authorization-server"),
                                    ActivationKey("dev", "idp", "authorization-server")},
                                   {"old-1"})
            .code() == Code::kAlreadyExists);
  CHECK(Dump(*store) == before);

  MustOk(store->signers().ReplaceActivationKeys(
      {ActivationKey("new-1", "idp", "authorization-server"),
       ActivationKey("new-2", "idp", "authorization-server")},
      {"old-1"}));
  std::vector<std::string> kids;
  for (const auto& row : Must(other->signers().ListActivationKeys())) kids.push_back(row.kid);
  CHECK(kids == std::vector<std::string>{"dev", "new-1", "new-2", "old-2"});
  CHECK(Must(other->maintenance().KeyStateVersion()) != theirs);  // caches read afresh
}

TEST_CASE_TEMPLATE("state: removing a signer waits for its keys, then takes its devices and PIN", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto store = NewStore(states);
  MustOk(store->signers().InsertSigner(Signer("alice")));
  MustOk(store->signers().InsertSigner(Signer("bob")));
  MustOk(store->signers().InsertActivationKey(ActivationKey("alice-phone", "alice")));
  MustOk(store->signers().InsertActivationKey(
      ActivationKey("alice-as", "alice", "authorization-server")));
  MustOk(store->signers().InsertActivationKey(ActivationKey("bob-phone", "bob")));
  MustOk(store->pins().UpsertSignerPin(Pin("alice")));
  MustOk(store->pins().UpsertSignerPin(Pin("bob")));
  MustOk(store->signers().InsertSignerSubject(Subject("https://idp", "s-alice", "alice")));
  MustOk(store->signers().InsertSignerSubject(Subject("https://idp", "s-bob", "bob")));
  KeyRow key = Key("alice-key", "k", "alice");
  MustOk(store->keys().InsertKey(key));

  SignerRow removed = Signer("alice");
  removed.status = "removed";
  removed.status_changed = 60;
  removed.status_mac = ToBytes("removed mac");
  // A key that is not destroyed (disabled counts as live) refuses it, and nothing changes.
  key.status = "disabled";
  MustOk(store->keys().UpdateKeyStatus(key));
  CHECK(store->signers().RemoveSigner(removed).code() == Code::kArgumentsBad);
  CHECK(Must(store->signers().FindSigner("alice"))->status == "enabled");
  CHECK(Must(store->signers().FindActivationKey("alice-phone")).has_value());
  CHECK(Must(store->pins().FindSignerPin("alice")).has_value());
  CHECK(Must(store->signers().FindSignerSubject("https://idp", "s-alice")).has_value());

  key.status = "destroyed";
  MustOk(store->keys().DestroyKey(key));
  MustOk(store->signers().RemoveSigner(removed));
  SignerRow stored = *Must(store->signers().FindSigner("alice"));
  CHECK(stored.status == "removed");
  CHECK(stored.status_changed == 60);
  CHECK(stored.status_mac == ToBytes("removed mac"));
  CHECK(Must(store->signers().ListSigners()).size() == 2);  // the row stays: the name is taken
  CHECK(store->signers().InsertSigner(Signer("alice")).code() == Code::kAlreadyExists);
  CHECK_FALSE(Must(store->signers().FindActivationKey("alice-phone")).has_value());
  CHECK(Must(store->signers().FindActivationKey("alice-as")).has_value());  // not a device
  CHECK(Must(store->signers().FindActivationKey("bob-phone")).has_value());
  CHECK_FALSE(Must(store->pins().FindSignerPin("alice")).has_value());
  CHECK(Must(store->pins().FindSignerPin("bob")).has_value());
  CHECK_FALSE(Must(store->signers().FindSignerSubject("https://idp", "s-alice")).has_value());
  CHECK(Must(store->signers().FindSignerSubject("https://idp", "s-bob")).has_value());
  CHECK(Must(store->keys().FindKeyById(key.id))->owner == "alice");

  SignerRow nobody = removed;
  nobody.name = "nobody";
  CHECK(store->signers().RemoveSigner(nobody).code() == Code::kNotFound);
}

}  // namespace
}  // namespace samp11
