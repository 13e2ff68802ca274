// Shared suite: MaintenanceStore (the key-state version, the status MAC fill, master-key
// rotation), on every implementation (state_test_util.h). Snapshots: state_restore.cc.
#include <set>
#include <string>

#include "state_dump.h"
#include "state_test_util.h"

namespace samp11 {
namespace {

using namespace testing;

StateVersion Version(StateStore& store) { return Must(store.maintenance().KeyStateVersion()); }

using Write = std::pair<const char*, std::function<void(StateStore&)>>;

// Every write outside the signing path, each changing at least one row, in an order that works.
std::vector<Write> KeyStateWrites() {
  auto key = [](const std::string& id) { return Key(id, "w", "w"); };
  return {
      {"InsertMeta", [](StateStore& s) { MustOk(s.meta().InsertMeta("m", "1")); }},
      {"SetMeta", [](StateStore& s) { MustOk(s.meta().SetMeta("m", "2")); }},
      {"InsertSigner", [](StateStore& s) { MustOk(s.signers().InsertSigner(Signer("w"))); }},
      {"UpdateSignerStatus",
       [](StateStore& s) {
         SignerRow row = Signer("w");
         row.status = "disabled";
         MustOk(s.signers().UpdateSignerStatus(row));
       }},
      {"InsertActivationKey",
       [](StateStore& s) { MustOk(s.signers().InsertActivationKey(ActivationKey("wk", "w"))); }},
      {"InsertKey",
       [key](StateStore& s) {
         KeyRow row = key("w1");
         MustOk(s.keys().InsertKey(row));
       }},
      {"InsertKeys",
       [key](StateStore& s) {
         std::vector<KeyRow> rows = {key("w2")};
         MustOk(s.keys().InsertKeys(rows));
       }},
      {"UpdateKeyStatus",
       [key](StateStore& s) {
         KeyRow row = key("w1");
         row.status = "disabled";
         MustOk(s.keys().UpdateKeyStatus(row));
       }},
      {"InsertCert",
       [](StateStore& s) {
         CertRow row = Cert("w1", "c");
         MustOk(s.certs().InsertCert(row));
       }},
      {"DestroyKey",
       [key](StateStore& s) {
         for (const char* id : {"w1", "w2"}) {
           KeyRow row = key(id);
           row.status = "destroyed";
           MustOk(s.keys().DestroyKey(row));
         }
       }},
      {"RemoveSigner",
       [](StateStore& s) {
         SignerRow row = Signer("w");
         row.status = "removed";
         MustOk(s.signers().RemoveSigner(row));
       }},
      {"InsertSpentHash",
       [](StateStore& s) { CHECK(Must(s.replay().InsertSpentHash(Spent("wj", "h", 5)))); }},
      {"PurgeSpentHashes", [](StateStore& s) { CHECK(Must(s.replay().PurgeSpentHashes(6)) == 1); }},
      {"InsertDeposit",
       [](StateStore& s) { MustOk(s.deposits().InsertDeposit(Deposit("wj", "k", {"h"}, 5, 1))); }},
      {"PurgeDeposits", [](StateStore& s) { CHECK(Must(s.deposits().PurgeDeposits(6)) == 1); }},
      {"InsertSadRequest",
       [](StateStore& s) { MustOk(s.requests().InsertSadRequest(Request("wr", 1, 100))); }},
      {"EndSadRequest",
       [](StateStore& s) { CHECK(Must(s.requests().EndSadRequest("wr", "cancelled", "", 2))); }},
      {"UpsertSignerPin", [](StateStore& s) { MustOk(s.pins().UpsertSignerPin(Pin("alice"))); }},
      {"TakePinTry", [](StateStore& s) { CHECK(Must(s.pins().TakePinTry("alice", 5))); }},
      {"ResetPinFailures", [](StateStore& s) { MustOk(s.pins().ResetPinFailures("alice")); }},
      {"InsertSigner without a status MAC",
       [](StateStore& s) {
         SignerRow row = Signer("old");
         row.status_mac.clear();
         MustOk(s.signers().InsertSigner(row));
       }},
      {"FillMissingLifecycleMacs",
       [](StateStore& s) {
         LifecycleMacs macs;
         macs.signer = [](const SignerRow&) -> Result<Bytes> { return ToBytes("filled"); };
         macs.key = [](const KeyRow&) -> Result<Bytes> { return ToBytes("filled"); };
         macs.cert = [](const CertRow&) -> Result<Bytes> { return ToBytes("filled"); };
         CHECK(Must(s.maintenance().FillMissingLifecycleMacs(macs)) == 1);
       }},
  };
}

TEST_CASE_TEMPLATE(
    "state: KeyStateVersion: own moves with this store's writes, others with "
    "another's",
    S, SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto mine = NewStore(states);
  auto theirs = OpenStore(states);
  auto elsewhere = NewStore(states, "elsewhere");
  MustOk(mine->signers().InsertSigner(Signer("alice")));
  for (const auto& entry : KeyStateWrites()) {
    // Named, not bound: CAPTURE takes a reference, and clang 14 cannot capture a
    // structured binding.
    const auto& name = entry.first;
    const auto& write = entry.second;
    CAPTURE(name);
    const StateVersion mine_before = Version(*mine);
    const StateVersion theirs_before = Version(*theirs);
    const StateVersion elsewhere_before = Version(*elsewhere);
    write(*mine);
    if constexpr (S::kVersionIsKeyStateOnly) {
      // One count for all writers, moved by the writes of rows the version vouches for (meta,
      // signers, activation keys, keys, certificates) and by no other: everyone's cache reads
      // afresh after such a write, its writer's included; the ledgers write without a shared
      // counter to serialise on.
      static const std::set<std::string> kLedgerWrites = {
          "InsertSpentHash", "PurgeSpentHashes", "InsertDeposit",
          "PurgeDeposits",   "InsertSadRequest", "EndSadRequest",
          "UpsertSignerPin", "TakePinTry",       "ResetPinFailures"};
      const bool key_state = kLedgerWrites.count(name) == 0;
      CHECK((Version(*mine) != mine_before) == key_state);
      CHECK((Version(*theirs) != theirs_before) == key_state);
      CHECK(Version(*elsewhere) == elsewhere_before);
      continue;
    }
    const StateVersion mine_after = Version(*mine);
    const StateVersion theirs_after = Version(*theirs);
    CHECK(mine_after.own != mine_before.own);
    CHECK(mine_after.others == mine_before.others);
    CHECK(theirs_after.others != theirs_before.others);
    CHECK(theirs_after.own == theirs_before.own);
    CHECK(Version(*elsewhere) == elsewhere_before);
  }
}

TEST_CASE_TEMPLATE("state: KeyStateVersion: reads and the signing path's writes leave own alone", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto mine = NewStore(states);
  auto theirs = OpenStore(states);
  MustOk(mine->signers().InsertSigner(Signer("alice")));
  const std::vector<Write> signing_path = {
      {"a record alone", [](StateStore& s) { MustOk(AppendRecord(s, Record("e"))); }},
      {"WriteJournal",
       [](StateStore& s) {
         std::vector<JournalStore::Entry> entries(1);
         entries[0].spend = Spent("j", "h");
         entries[0].make_append = [](const AuditTail& tail, bool) -> Result<AuditAppend> {
           return NextRecord(tail, "sign");
         };
         Must(s.journal().WriteJournal(entries, false));
       }},
      {"ClaimSpentHashes",
       [](StateStore& s) {
         Must(s.journal().ClaimSpentHashes(
             {Spent("b", "h")}, [](const AuditTail& tail, size_t) -> Result<AuditAppend> {
               return NextRecord(tail, "claim");
             }));
       }},
  };
  for (const auto& entry : signing_path) {
    // Named, not bound: CAPTURE takes a reference, and clang 14 cannot capture a
    // structured binding.
    const auto& name = entry.first;
    const auto& write = entry.second;
    CAPTURE(name);
    const StateVersion mine_before = Version(*mine);
    const StateVersion theirs_before = Version(*theirs);
    write(*mine);
    CHECK(Version(*mine) == mine_before);
    if (!S::kJournal) CHECK(Version(*theirs).others != theirs_before.others);
    CHECK(Version(*theirs).own == theirs_before.own);
  }
  // The journal folds through a connection of its own (FileJournal::Open's fold_into): a fold is
  // then another user's write and moves the version, as a cache refresh at most. Folded first
  // here, so that the reads below have nothing left to fold.
  if (S::kJournal) Must(mine->maintenance().Snapshot());
  const StateVersion before = Version(*mine);
  Must(mine->signers().ListSigners());
  Must(mine->keys().ListKeys(0, 10));
  Must(mine->audit().GetAuditTail());
  Must(mine->maintenance().Snapshot());
  Must(theirs->signers().FindSigner("alice"));
  CHECK(Version(*mine) == before);
  // Refused writes change nothing.
  CHECK(mine->signers().InsertSigner(Signer("alice")).code() == Code::kAlreadyExists);
  CHECK_FALSE(Must(mine->replay().InsertSpentHash(Spent("j", "h"))));
  CHECK(Version(*mine) == before);
}

LifecycleMacs RecordingMacs(std::vector<std::string>& seen, bool fail_on_cert = false) {
  LifecycleMacs macs;
  macs.signer = [&seen](const SignerRow& row) -> Result<Bytes> {
    seen.push_back("signer " + row.name + " " + std::to_string(row.created) + " " + row.status +
                   " " + std::to_string(row.status_changed));
    return ToBytes("filled-" + row.name);
  };
  macs.key = [&seen](const KeyRow& row) -> Result<Bytes> {
    seen.push_back("key " + ToString(row.id) + " " + row.status + " " +
                   std::to_string(row.status_changed) + " " + std::to_string(row.certified));
    return ToBytes("filled-" + ToString(row.id));
  };
  macs.cert = [&seen, fail_on_cert](const CertRow& row) -> Result<Bytes> {
    if (fail_on_cert) return Refusal();
    seen.push_back("cert " + ToString(row.key_id) + " " + ToString(row.der) + " " +
                   std::to_string(row.not_before) + " " + std::to_string(row.not_after) + " " +
                   std::to_string(row.created));
    return ToBytes("filled-cert");
  };
  return macs;
}

TEST_CASE_TEMPLATE("state: FillMissingLifecycleMacs fills empty MACs only, all or nothing", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto store = NewStore(states);
  SignerRow bare = Signer("bare", 3);
  bare.status_mac.clear();
  bare.status = "disabled";
  bare.status_changed = 4;
  MustOk(store->signers().InsertSigner(bare));
  MustOk(store->signers().InsertSigner(Signer("done")));
  KeyRow bare_key = Key("bare-key", "x", "bare");
  bare_key.status_mac.clear();
  bare_key.certified = true;
  bare_key.status_changed = 6;
  KeyRow done_key = Key("done-key", "x", "done");
  MustOk(store->keys().InsertKey(bare_key));
  MustOk(store->keys().InsertKey(done_key));
  CertRow bare_cert = Cert("bare-key", "c");
  bare_cert.mac.clear();
  CertRow done_cert = Cert("done-key", "c");
  MustOk(store->certs().InsertCert(bare_cert));
  MustOk(store->certs().InsertCert(done_cert));

  const std::string before = Dump(*store);
  std::vector<std::string> seen;
  CHECK(store->maintenance().FillMissingLifecycleMacs(RecordingMacs(seen, true)).status().code() ==
        Code::kInternal);
  CHECK(Dump(*store) == before);

  seen.clear();
  CHECK(Must(store->maintenance().FillMissingLifecycleMacs(RecordingMacs(seen))) == 3);
  std::sort(seen.begin(), seen.end());
  CHECK(seen == std::vector<std::string>{"cert bare-key der-bare-key 10 20 5",
                                         "key bare-key enabled 6 1", "signer bare 3 disabled 4"});
  CHECK(Must(store->signers().FindSigner("bare"))->status_mac == ToBytes("filled-bare"));
  CHECK(Must(store->signers().FindSigner("done"))->status_mac == Signer("done").status_mac);
  CHECK(Must(store->keys().FindKeyById(bare_key.id))->status_mac == ToBytes("filled-bare-key"));
  CHECK(Must(store->keys().FindKeyById(done_key.id))->status_mac == done_key.status_mac);
  CHECK(Must(store->certs().FindCertByHandle(bare_cert.handle))->mac == ToBytes("filled-cert"));
  CHECK(Must(store->certs().FindCertByHandle(done_cert.handle))->mac == done_cert.mac);
  CHECK(Must(store->maintenance().FillMissingLifecycleMacs(RecordingMacs(seen))) == 0);
}

// A plan that marks every MAC it rewrites with "new-", tries to change other columns too (which
// must not be written back), and fails at the step named by fail_at.
RekeyPlan MarkingPlan(const std::string& fail_at = "") {
  auto mark = [](Bytes& mac) { mac.insert(mac.begin(), {'n', 'e', 'w', '-'}); };
  auto step = [fail_at](const char* name) { return fail_at == name ? Refusal() : Status::Ok(); };
  RekeyPlan plan;
  plan.signer = [=](SignerRow& row) {
    mark(row.mac);
    mark(row.status_mac);
    row.status = "edited";
    return step("signer");
  };
  plan.activation_key = [=](ActivationKeyRow& row) {
    mark(row.mac);
    row.owner = "edited";
    return step("activation_key");
  };
  plan.key = [=](KeyRow& row) {
    mark(row.wrapped_private);
    mark(row.status_mac);
    row.label = "edited";
    return step("key");
  };
  plan.cert = [=](CertRow& row) {
    mark(row.mac);
    row.label = "edited";
    return step("cert");
  };
  plan.pin = [=](SignerPinRow& row) {
    mark(row.mac);
    row.hash = ToBytes("edited");
    return step("pin");
  };
  plan.subject = [=](SignerSubjectRow& row) {
    mark(row.mac);
    row.signer = "edited";
    return step("subject");
  };
  plan.otp = [=](SignerOtpRow& row) {
    mark(row.wrapped_secret);
    row.params = "edited";
    return step("otp");
  };
  plan.audit_row = [=](AuditRow& row) {
    mark(row.mac);
    row.event = "edited";
    return step("audit_row");
  };
  plan.audit_head = [=](AuditHeadRow& row) {
    mark(row.mac);
    row.seq = 99;
    return step("audit_head");
  };
  plan.meta = {{"x", std::string("rotated")}, {"y", std::nullopt}};
  plan.append = [fail_at](const AuditTail& tail) -> Result<AuditAppend> {
    if (fail_at == "append") return Refusal();
    REQUIRE(tail.head);
    CHECK(tail.head->mac == ToBytes("new-head-mac-1"));  // the rewritten tail
    REQUIRE(tail.last_row);
    CHECK(tail.last_row->mac == ToBytes("new-mac-1"));
    return NextRecord(tail, "rotated");
  };
  return plan;
}

TEST_CASE_TEMPLATE("state: Rekey rewrites every MAC and wrapping, or nothing", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto store = NewStore(states);
  MustOk(store->signers().InsertSigner(Signer("alice")));
  MustOk(store->signers().InsertActivationKey(ActivationKey("dev", "alice")));
  KeyRow key = Key("k", "label", "alice");
  MustOk(store->keys().InsertKey(key));
  CertRow cert = Cert("k", "cert");
  MustOk(store->certs().InsertCert(cert));
  MustOk(store->pins().UpsertSignerPin(Pin("alice")));
  MustOk(store->signers().InsertSignerSubject(Subject("https://idp", "s-alice", "alice")));
  SignerOtpRow otp;
  otp.name = "alice";
  otp.kind = "totp";
  otp.params = "SHA1:6:30";
  otp.wrapped_secret = ToBytes("secret");
  MustOk(store->otp().UpsertSignerOtp(otp));
  MustOk(store->meta().SetMeta("x", "old"));
  MustOk(store->meta().SetMeta("y", "gone"));
  MustOk(AppendRecord(*store, Record("first")));

  const std::string before = Dump(*store);
  for (const char* step : {"signer", "activation_key", "key", "cert", "pin", "subject", "otp",
                           "audit_row", "audit_head", "append"}) {
    CAPTURE(step);
    CHECK(store->maintenance().Rekey(MarkingPlan(step)).code() == Code::kInternal);
    CHECK(Dump(*store) == before);
  }

  MustOk(store->maintenance().Rekey(MarkingPlan()));
  auto reopened = OpenStore(states);
  SignerRow signer = *Must(reopened->signers().FindSigner("alice"));
  CHECK(signer.mac == ToBytes("new-mac-alice"));
  CHECK(signer.status_mac == ToBytes("new-status-mac-alice"));
  CHECK(signer.status == "enabled");
  ActivationKeyRow device = *Must(reopened->signers().FindActivationKey("dev"));
  CHECK(device.mac == ToBytes("new-mac-dev"));
  CHECK(device.owner == "alice");
  KeyRow stored_key = *Must(reopened->keys().FindKeyById(key.id));
  CHECK(stored_key.wrapped_private == ToBytes("new-wrapped-k"));
  CHECK(stored_key.status_mac == ToBytes("new-status-mac-k"));
  CHECK(stored_key.label == "label");
  CertRow stored_cert = *Must(reopened->certs().FindCertByHandle(cert.handle));
  CHECK(stored_cert.mac == ToBytes("new-cert-mac"));
  CHECK(stored_cert.label == "cert");
  SignerPinRow pin = *Must(reopened->pins().FindSignerPin("alice"));
  CHECK(pin.mac == ToBytes("new-pin-mac-hash"));
  CHECK(pin.hash == ToBytes("hash"));
  SignerSubjectRow subject = *Must(reopened->signers().FindSignerSubject("https://idp", "s-alice"));
  CHECK(subject.mac == ToBytes("new-mac-s-alice"));
  CHECK(subject.signer == "alice");
  SignerOtpRow stored_otp = *Must(reopened->otp().FindSignerOtp("alice", "totp"));
  CHECK(stored_otp.wrapped_secret != ToBytes("secret"));  // marked: rewritten
  CHECK(stored_otp.params == "SHA1:6:30");                // only the wrapping is taken back
  CHECK(*Must(reopened->meta().GetMeta("x")) == "rotated");
  CHECK_FALSE(Must(reopened->meta().GetMeta("y")).has_value());
  auto rows = Must(reopened->audit().ListAuditRows(0, 10, {}));
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].mac == ToBytes("new-mac-1"));
  CHECK(rows[0].event == "first");
  CHECK(rows[1].event == "rotated");
  AuditTail tail = Must(reopened->audit().GetAuditTail());
  CHECK(tail.head->seq == 2);
  CHECK(tail.head->mac == ToBytes("head-mac-2"));
}

TEST_CASE_TEMPLATE("state: Rekey of an empty log appends its record from nothing", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto store = NewStore(states);
  RekeyPlan plan = MarkingPlan();
  bool head_called = false;
  plan.audit_head = [&](AuditHeadRow&) {
    head_called = true;
    return Status::Ok();
  };
  plan.append = [](const AuditTail& tail) -> Result<AuditAppend> {
    CHECK_FALSE(tail.head.has_value());
    CHECK_FALSE(tail.last_row.has_value());
    return NextRecord(tail, "rotated");
  };
  MustOk(store->maintenance().Rekey(plan));
  CHECK_FALSE(head_called);
  CHECK(AuditSeqs(*store) == std::vector<int64_t>{1});
}

}  // namespace
}  // namespace samp11
