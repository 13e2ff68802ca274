// Shared suite: MaintenanceStore::Contents and StateLocation::StageContents, the rows a migration
// moves from one implementation to another (state/state_contents.h), on every implementation.
#include <algorithm>
#include <sstream>

#include "state_dump.h"
#include "state_test_util.h"

namespace samp11 {
namespace {

using namespace testing;

const DumpScope kScope = {{"x", "schema_version"}, {{"j", "s1"}}, {{"kk", "h1"}, {"kk", "h2"}}, {}};

void Populate(StateStore& store) {
  MustOk(store.signers().InsertSigner(Signer("alice", 11)));
  SignerRow bob = Signer("bob", 12);
  MustOk(store.signers().InsertSigner(bob));
  bob.status = "disabled";
  bob.status_changed = 50;
  MustOk(store.signers().UpdateSignerStatus(bob));
  MustOk(store.signers().InsertActivationKey(ActivationKey("alice-phone", "alice")));
  MustOk(store.signers().InsertSignerSubject(Subject("https://idp", "s-alice", "alice")));
  MustOk(store.signers().InsertSignerSubject(Subject("https://idp", "s-bob", "bob")));
  MustOk(store.pins().UpsertSignerPin(Pin("alice")));
  CHECK(Must(store.pins().TakePinTry("alice", 5)));  // a try counted: failures 1
  SignerOtpRow otp;
  otp.name = "alice";
  otp.kind = "ocra";
  otp.params = "OCRA-1:HOTP-SHA256-8:QH64";
  otp.wrapped_secret = ToBytes("wrapped");
  otp.created = 13;
  MustOk(store.otp().UpsertSignerOtp(otp));
  CHECK(Must(store.otp().TakeOtpTry("alice", "ocra", 5)));  // counters carried too
  CHECK(Must(store.otp().AdvanceOtpStep("alice", "ocra", 9)));
  std::vector<KeyRow> keys = {Key("kd", "label", "alice"), Key("kk", "label", "alice")};
  MustOk(store.keys().InsertKeys(keys));
  KeyRow destroyed = keys[0];
  destroyed.status = "destroyed";
  destroyed.status_changed = 60;
  MustOk(store.keys().DestroyKey(destroyed));
  CertRow cert = Cert("kk", "cert");
  MustOk(store.certs().InsertCert(cert));
  CHECK(Must(store.replay().InsertSpentHash(Spent("j", "s1"))));
  MustOk(store.deposits().InsertDeposit(Deposit("d1", "kk", {"h2", "h1"}, 500, 1)));
  MustOk(store.requests().InsertSadRequest(Request("r1", 1, 500)));
  MustOk(AppendRecord(store, Record("first")));
  MustOk(AppendRecord(store, Record("second")));
  MustOk(store.meta().SetMeta("x", "1"));
}

// Every row of contents as text, in a fixed order whatever order it was read in.
std::string Text(const StateContents& c) {
  std::vector<std::string> lines;
  auto add = [&lines](const auto& row) {
    std::ostringstream o;
    DumpRow(o, row);
    lines.push_back(o.str());
  };
  for (const auto& [name, value] : c.meta) lines.push_back("meta " + name + " " + value + "\n");
  for (const auto& row : c.signers) add(row);
  for (const auto& row : c.pins) add(row);
  for (const auto& row : c.otp) add(row);
  for (const auto& row : c.activation_keys) add(row);
  for (const auto& row : c.subjects) add(row);
  for (const auto& row : c.keys) add(row);
  for (const auto& row : c.certs) add(row);
  for (const auto& row : c.spent_hashes) {
    lines.push_back("spent " + row.kid + " " + row.jti + " " + Hex(row.hash) + " " +
                    Hex(row.key_id) + " " + std::to_string(row.sad_exp) + " " +
                    std::to_string(row.spent_at) + "\n");
  }
  for (const auto& row : c.deposits) {
    std::vector<Bytes> hashes = row.hashes;
    std::sort(hashes.begin(), hashes.end());
    std::string line = "deposit " + row.kid + " " + row.jti + " " + Hex(row.key_id) + " " +
                       row.sad + " " + std::to_string(row.sad_exp) + " " +
                       std::to_string(row.deposited_at);
    for (const Bytes& hash : hashes) line += " " + Hex(hash);
    lines.push_back(line + "\n");
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const std::string& line : lines) out += line;
  for (const auto& [name, chain] : c.chains) {
    out += "chain '" + name + "'\n";
    for (const AuditRow& row : chain.rows) {
      std::ostringstream o;
      DumpRow(o, row);
      out += o.str();
    }
    if (chain.head) out += "head " + std::to_string(chain.head->seq) + "\n";
  }
  return out + "handles " + std::to_string(c.last_key_handle) + " " +
         std::to_string(c.last_cert_handle) + "\n";
}

TEST_CASE_TEMPLATE(
    "state: Contents reads every row, and StageContents makes them a state elsewhere", S,
    SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto source = NewStore(states, "source");
  Populate(*source);
  StateContents contents = Must(source->maintenance().Contents());
  CHECK(std::count(contents.meta.begin(), contents.meta.end(),
                   std::pair<std::string, std::string>("x", "1")) == 1);
  for (const auto& [name, value] : contents.meta) CHECK(name != "schema_version");
  REQUIRE(contents.signers.size() == 2);
  CHECK(contents.signers[1].status == "disabled");
  REQUIRE(contents.pins.size() == 1);
  CHECK(contents.pins[0].failures == 1);
  REQUIRE(contents.otp.size() == 1);
  CHECK(contents.otp[0].failures == 1);
  CHECK(contents.otp[0].last_step == 9);
  CHECK(contents.otp[0].created == 13);
  CHECK(contents.activation_keys.size() == 1);
  REQUIRE(contents.keys.size() == 2);
  CHECK(contents.keys[0].status == "destroyed");
  CHECK(contents.keys[0].wrapped_private.empty());
  CHECK(contents.certs.size() == 1);
  CHECK(contents.spent_hashes.size() == 1);
  REQUIRE(contents.deposits.size() == 1);
  CHECK(contents.deposits[0].hashes.size() == 2);
  // The journal's records (where there is one) are in: every chain, with its head.
  REQUIRE(contents.chains.size() == 1);
  const AuditChainContents& chain = contents.chains.begin()->second;
  CHECK(chain.rows.size() == 2);
  REQUIRE(chain.head.has_value());
  CHECK(chain.head->seq == 2);
  const int64_t highest = std::max(contents.keys[0].handle, contents.keys[1].handle);
  CHECK(contents.last_key_handle >= highest);

  auto target = states.Location("target");
  auto staged = Must(target->StageContents(contents));
  CHECK_FALSE(target->Exists());  // staged beside, not live
  CHECK(Text(Must(staged->maintenance().Contents())) == Text(contents));
  staged.reset();
  std::string aside = "unchanged";
  MustOk(target->PromoteStaged("tag", &aside));
  CHECK(aside.empty());
  auto moved = Must(target->Open());
  CHECK(Dump(*moved, kScope) == Dump(*source, kScope));
  // Pending activation requests stay where they were made.
  CHECK(Must(source->requests().FindSadRequest("r1")).has_value());
  CHECK_FALSE(Must(moved->requests().FindSadRequest("r1")).has_value());
  // A handle is never given twice, and the log goes on from its tail.
  KeyRow next = Key("kn", "label", "alice");
  MustOk(moved->keys().InsertKey(next));
  CHECK(next.handle > highest);
  MustOk(AppendRecord(*moved, Record("third")));
  CHECK(AuditSeqs(*moved) == std::vector<int64_t>{1, 2, 3});
}

TEST_CASE_TEMPLATE("state: StageContents refuses a place that is taken, and changes nothing", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto live = NewStore(states, "live");
  Populate(*live);
  const std::string before = Dump(*live, kScope);
  StateContents contents = Must(live->maintenance().Contents());
  CHECK(states.Location("live")->StageContents(contents).status().code() == Code::kAlreadyExists);
  CHECK(Dump(*Must(states.Location("live")->Open()), kScope) == before);
}

TEST_CASE_TEMPLATE("state: StageContents leaves nothing after rows it cannot take", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto source = NewStore(states, "source");
  Populate(*source);
  StateContents contents = Must(source->maintenance().Contents());
  StateContents orphan = Must(source->maintenance().Contents());
  orphan.keys.push_back(Key("ko", "label", "nobody"));  // a key whose signer has no row
  orphan.keys.back().handle = 99;
  auto target = states.Location("target");
  CHECK_FALSE(target->StageContents(orphan).ok());
  CHECK_FALSE(target->Exists());
  std::string aside;
  CHECK_FALSE(target->PromoteStaged("tag", &aside).ok());  // nothing was staged
  // The place is still free for the rows it can take.
  Must(target->StageContents(contents)).reset();
  MustOk(target->PromoteStaged("tag", &aside));
  CHECK(Dump(*Must(target->Open()), kScope) == Dump(*source, kScope));
}

TEST_CASE_TEMPLATE("state: StageContents takes node chains only where the state keeps them", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  StateContents contents;
  AuditTail tail;
  for (const char* chain : {"", "n1"}) {
    AuditAppend first = NextRecord(tail, std::string("first of ") + chain);
    contents.chains[chain].rows.push_back(first.row);
    contents.chains[chain].head = first.head;
  }
  auto target = states.Location("t");
  if (!target->HoldsNodeChains()) {
    CHECK(target->StageContents(contents).status().code() == Code::kArgumentsBad);
    CHECK_FALSE(target->Exists());
    contents.chains.erase("n1");
  }
  auto staged = Must(target->StageContents(contents));
  CHECK(Text(Must(staged->maintenance().Contents())) == Text(contents));
}

}  // namespace
}  // namespace samp11
