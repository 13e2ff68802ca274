// Shared suite: ReplayStore, DepositStore, RequestStore and PinStore, on every implementation
// (state_test_util.h).
#include "state_test_util.h"

namespace samp11 {
namespace {

using namespace testing;

TEST_CASE_TEMPLATE("state: a spent hash is spent once, seen by every store, purged by exp", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto store = NewStore(states);
  CHECK(Must(store->replay().InsertSpentHash(Spent("j1", "h1", 100))));
  CHECK_FALSE(Must(store->replay().InsertSpentHash(Spent("j1", "h1", 999))));
  CHECK(Must(store->replay().InsertSpentHash(Spent("j1", "h2", 100))));
  CHECK(Must(store->replay().InsertSpentHash(Spent("j2", "h1", 200))));
  CHECK(Must(store->replay().InsertSpentHash(Spent("j1", "h1", 300, "kid-2"))));  // kid scopes jti
  CHECK(Must(store->replay().CountSpentHashes()) == 4);

  auto other = OpenStore(states);
  CHECK(Must(other->replay().CountSpentHashes()) == 4);
  CHECK(Must(other->replay().IsHashSpent("kid-1", "j1", ToBytes("h1"))));
  CHECK(Must(other->replay().IsHashSpent("kid-2", "j1", ToBytes("h1"))));
  CHECK_FALSE(Must(other->replay().IsHashSpent("kid-1", "j3", ToBytes("h1"))));
  CHECK_FALSE(Must(other->replay().IsHashSpent("kid-1", "j1", ToBytes("h3"))));
  CHECK_FALSE(Must(other->replay().InsertSpentHash(Spent("j2", "h1", 200))));

  CHECK(Must(other->replay().PurgeSpentHashes(200)) == 2);  // exp < 200; 200 itself stays
  CHECK(Must(store->replay().CountSpentHashes()) == 2);
  CHECK_FALSE(Must(store->replay().IsHashSpent("kid-1", "j1", ToBytes("h1"))));
  CHECK(Must(store->replay().IsHashSpent("kid-1", "j2", ToBytes("h1"))));
  CHECK(Must(store->replay().IsHashSpent("kid-2", "j1", ToBytes("h1"))));
  CHECK(Must(store->replay().PurgeSpentHashes(200)) == 0);
  CHECK(Must(store->replay().InsertSpentHash(Spent("j1", "h1", 100))));  // purged: free again
}

TEST_CASE_TEMPLATE("state: deposits are found by key, hash and exp, newest first, and purged", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto store = NewStore(states);
  MustOk(store->deposits().InsertDeposit(Deposit("old", "key", {"h1", "h2"}, 500, 10)));
  MustOk(store->deposits().InsertDeposit(Deposit("new", "key", {"h1"}, 400, 30)));
  MustOk(store->deposits().InsertDeposit(Deposit("mid", "key", {"h1"}, 600, 20)));
  MustOk(store->deposits().InsertDeposit(Deposit("elsewhere", "other", {"h1"}, 900, 40)));

  auto find = [&](const std::string& key, const std::string& hash, int64_t min_exp, size_t limit) {
    return Must(store->deposits().FindDeposits(ToBytes(key), ToBytes(hash), min_exp, limit));
  };
  using Sads = std::vector<std::string>;
  CHECK(find("key", "h1", 0, 10) == Sads{"sad-new", "sad-mid", "sad-old"});
  CHECK(find("key", "h1", 0, 2) == Sads{"sad-new", "sad-mid"});
  CHECK(find("key", "h1", 500, 10) == Sads{"sad-mid", "sad-old"});  // exp >= min_exp
  CHECK(find("key", "h2", 0, 10) == Sads{"sad-old"});
  CHECK(find("key", "h3", 0, 10).empty());
  CHECK(find("other", "h1", 0, 10) == Sads{"sad-elsewhere"});

  CHECK(Must(store->deposits().PurgeDeposits(500)) == 1);  // exp < 500; 500 itself stays
  CHECK(find("key", "h1", 0, 10) == Sads{"sad-mid", "sad-old"});
  CHECK(Must(store->deposits().PurgeDeposits(500)) == 0);
  CHECK(Must(store->deposits().PurgeDeposits(1000)) == 3);
  CHECK(find("key", "h2", 0, 10).empty());
}

TEST_CASE_TEMPLATE("state: a deposit is refused whole: the same SAD twice, one hash twice", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto store = NewStore(states);
  MustOk(store->deposits().InsertDeposit(Deposit("j", "key", {"h1"}, 500, 10)));
  DepositRow again = Deposit("j", "key", {"h2"}, 900, 20);
  again.sad = "the second";
  CHECK(store->deposits().InsertDeposit(again).code() == Code::kAlreadyExists);
  CHECK(Must(store->deposits().FindDeposits(ToBytes("key"), ToBytes("h2"), 0, 10)).empty());
  CHECK(Must(store->deposits().FindDeposits(ToBytes("key"), ToBytes("h1"), 0, 10)) ==
        std::vector<std::string>{"sad-j"});

  DepositRow twice = Deposit("k", "key", {"h3", "h4", "h3"}, 500, 10);
  CHECK(store->deposits().InsertDeposit(twice).code() == Code::kAlreadyExists);
  CHECK(Must(store->deposits().FindDeposits(ToBytes("key"), ToBytes("h4"), 0, 10)).empty());
  CHECK(Must(store->deposits().PurgeDeposits(1000)) == 1);  // only the first was stored
}

TEST_CASE_TEMPLATE("state: activation requests: found, listed while pending, ended once", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto store = NewStore(states);
  SadRequestRow first = Request("b-first", 100, 200);
  first.detail = "d";
  MustOk(store->requests().InsertSadRequest(first));
  MustOk(store->requests().InsertSadRequest(Request("a-second", 100, 300)));  // same created
  MustOk(store->requests().InsertSadRequest(Request("c-third", 150, 400)));
  MustOk(store->requests().InsertSadRequest(Request("d-short", 90, 120)));
  CHECK(store->requests().InsertSadRequest(Request("c-third", 160, 500)).code() ==
        Code::kAlreadyExists);

  SadRequestRow found = *Must(store->requests().FindSadRequest("b-first"));
  CHECK(found.id == "b-first");
  CHECK(found.created == 100);
  CHECK(found.expires == 200);
  CHECK(found.signer == "alice");
  CHECK(found.key_id == ToBytes("key"));
  CHECK(found.request_json == first.request_json);
  CHECK(found.state == "pending");
  CHECK(found.detail == "d");
  CHECK(found.updated == 100);
  CHECK(Must(store->requests().FindSadRequest("c-third"))->created == 150);
  CHECK_FALSE(Must(store->requests().FindSadRequest("zzz")).has_value());

  auto pending = [&](int64_t now, size_t limit) {
    std::vector<std::string> ids;
    for (const auto& row : Must(store->requests().ListPendingSadRequests(now, limit))) {
      ids.push_back(row.id);
    }
    return ids;
  };
  using Ids = std::vector<std::string>;
  CHECK(pending(120, 10) == Ids{"d-short", "a-second", "b-first", "c-third"});  // expires >= now
  CHECK(pending(121, 10) == Ids{"a-second", "b-first", "c-third"});
  CHECK(pending(121, 2) == Ids{"a-second", "b-first"});

  CHECK(Must(store->requests().EndSadRequest("b-first", "refused", "no thanks", 130)));
  SadRequestRow ended = *Must(store->requests().FindSadRequest("b-first"));
  CHECK(ended.state == "refused");
  CHECK(ended.detail == "no thanks");
  CHECK(ended.updated == 130);
  CHECK_FALSE(Must(store->requests().EndSadRequest("b-first", "answered", "", 140)));
  CHECK(Must(store->requests().FindSadRequest("b-first"))->state == "refused");
  CHECK_FALSE(Must(store->requests().EndSadRequest("zzz", "answered", "", 140)));
  CHECK(pending(121, 10) == Ids{"a-second", "c-third"});
}

TEST_CASE_TEMPLATE("state: an insert purges requests expired an hour before it was made", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto store = NewStore(states);
  MustOk(store->requests().InsertSadRequest(Request("ended", 0, 1000)));
  CHECK(Must(store->requests().EndSadRequest("ended", "answered", "", 500)));
  MustOk(store->requests().InsertSadRequest(Request("edge", 0, 1001)));
  MustOk(store->requests().InsertSadRequest(Request("pending", 0, 2000)));

  // A refused insert purges nothing.
  CHECK(store->requests().InsertSadRequest(Request("pending", 4601, 9000)).code() ==
        Code::kAlreadyExists);
  CHECK(Must(store->requests().FindSadRequest("ended")).has_value());

  // Made at 4601: expired before 1001 goes, whatever its state.
  MustOk(store->requests().InsertSadRequest(Request("new", 4601, 9000)));
  CHECK_FALSE(Must(store->requests().FindSadRequest("ended")).has_value());
  CHECK(Must(store->requests().FindSadRequest("edge")).has_value());
  CHECK(Must(store->requests().FindSadRequest("pending")).has_value());

  // An id purged by the insert itself is free again.
  MustOk(store->requests().InsertSadRequest(Request("edge", 5602, 9000)));
  CHECK(Must(store->requests().FindSadRequest("edge"))->created == 5602);
}

TEST_CASE_TEMPLATE("state: PINs: only for signers, set with no failures, listed by name", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto store = NewStore(states);
  MustOk(store->signers().InsertSigner(Signer("bob")));
  MustOk(store->signers().InsertSigner(Signer("alice")));
  CHECK(store->pins().UpsertSignerPin(Pin("nobody")).code() == Code::kNotFound);
  CHECK(Must(store->pins().ListSignerPins()).empty());

  SignerPinRow pin = Pin("bob", "h1");
  pin.failures = 4;  // ignored: a PIN is set with none
  MustOk(store->pins().UpsertSignerPin(pin));
  MustOk(store->pins().UpsertSignerPin(Pin("alice")));
  SignerPinRow found = *Must(store->pins().FindSignerPin("bob"));
  CHECK(found.name == "bob");
  CHECK(found.salt == pin.salt);
  CHECK(found.hash == ToBytes("h1"));
  CHECK(found.failures == 0);
  CHECK(found.mac == pin.mac);
  CHECK_FALSE(Must(store->pins().FindSignerPin("carol")).has_value());

  std::vector<std::string> names;
  for (const auto& row : Must(store->pins().ListSignerPins())) names.push_back(row.name);
  CHECK(names == std::vector<std::string>{"alice", "bob"});

  CHECK(Must(store->pins().TakePinTry("bob", 5)));
  MustOk(store->pins().UpsertSignerPin(Pin("bob", "h2")));  // a new PIN: failures back to 0
  found = *Must(store->pins().FindSignerPin("bob"));
  CHECK(found.hash == ToBytes("h2"));
  CHECK(found.mac == Pin("bob", "h2").mac);
  CHECK(found.failures == 0);
}

TEST_CASE_TEMPLATE("state: PIN tries are taken while failures < max, and reset", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto store = NewStore(states);
  MustOk(store->signers().InsertSigner(Signer("alice")));
  MustOk(store->pins().UpsertSignerPin(Pin("alice")));
  for (int i = 0; i < 3; ++i) CHECK(Must(store->pins().TakePinTry("alice", 3)));
  CHECK_FALSE(Must(store->pins().TakePinTry("alice", 3)));
  CHECK(Must(store->pins().FindSignerPin("alice"))->failures == 3);
  CHECK(Must(store->pins().TakePinTry("alice", 4)));  // a higher limit: one more
  CHECK_FALSE(Must(store->pins().TakePinTry("alice", 4)));
  CHECK(Must(store->pins().FindSignerPin("alice"))->failures == 4);

  MustOk(store->pins().ResetPinFailures("alice"));
  CHECK(Must(store->pins().FindSignerPin("alice"))->failures == 0);
  CHECK(Must(store->pins().TakePinTry("alice", 1)));
  CHECK_FALSE(Must(store->pins().TakePinTry("alice", 1)));

  CHECK_FALSE(Must(store->pins().TakePinTry("nobody", 3)));  // no PIN: no try
  MustOk(store->pins().ResetPinFailures("nobody"));
  CHECK_FALSE(Must(store->pins().FindSignerPin("nobody")).has_value());
}

SignerOtpRow Otp(const std::string& name, const std::string& kind, const std::string& secret) {
  SignerOtpRow row;
  row.name = name;
  row.kind = kind;
  row.params = kind == "totp" ? "SHA1:6:30" : "OCRA-1:HOTP-SHA256-8:QH64";
  row.wrapped_secret = ToBytes(secret);
  row.created = 7;
  return row;
}

TEST_CASE_TEMPLATE("state: OTP enrolments: only for signers, one per kind, replaced whole", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto store = NewStore(states);
  MustOk(store->signers().InsertSigner(Signer("alice")));
  CHECK(store->otp().UpsertSignerOtp(Otp("nobody", "totp", "s")).code() == Code::kNotFound);
  MustOk(store->otp().UpsertSignerOtp(Otp("alice", "totp", "t1")));
  MustOk(store->otp().UpsertSignerOtp(Otp("alice", "ocra", "o1")));
  SignerOtpRow found = *Must(store->otp().FindSignerOtp("alice", "totp"));
  CHECK(found.params == "SHA1:6:30");
  CHECK(found.wrapped_secret == ToBytes("t1"));
  CHECK(found.created == 7);
  CHECK(found.last_step == 0);
  CHECK(Must(store->otp().FindSignerOtp("alice", "ocra"))->wrapped_secret == ToBytes("o1"));
  CHECK_FALSE(Must(store->otp().FindSignerOtp("alice", "other")).has_value());

  // Re-enrolment replaces the secret and starts the counters again (the operator's unlock).
  CHECK(Must(store->otp().AdvanceOtpStep("alice", "totp", 50)));
  CHECK(Must(store->otp().TakeOtpTry("alice", "ocra", 1)));
  MustOk(store->otp().UpsertSignerOtp(Otp("alice", "totp", "t2")));
  MustOk(store->otp().UpsertSignerOtp(Otp("alice", "ocra", "o2")));
  found = *Must(store->otp().FindSignerOtp("alice", "totp"));
  CHECK(found.wrapped_secret == ToBytes("t2"));
  CHECK(found.last_step == 0);
  CHECK(Must(store->otp().FindSignerOtp("alice", "ocra"))->failures == 0);

  // A removed signer's enrolments go with it.
  SignerRow removed = Signer("alice");
  removed.status = "removed";
  removed.status_changed = 9;
  MustOk(store->signers().RemoveSigner(removed));
  CHECK_FALSE(Must(store->otp().FindSignerOtp("alice", "totp")).has_value());
  CHECK_FALSE(Must(store->otp().FindSignerOtp("alice", "ocra")).has_value());
}

TEST_CASE_TEMPLATE("state: an OTP step is accepted once, only forward; tries counted to max", S,
                   SAMP11_STATE_IMPLEMENTATIONS) {
  S states;
  auto store = NewStore(states);
  MustOk(store->signers().InsertSigner(Signer("alice")));
  MustOk(store->otp().UpsertSignerOtp(Otp("alice", "totp", "t")));
  MustOk(store->otp().UpsertSignerOtp(Otp("alice", "ocra", "o")));
  CHECK(Must(store->otp().AdvanceOtpStep("alice", "totp", 100)));
  CHECK_FALSE(Must(store->otp().AdvanceOtpStep("alice", "totp", 100)));  // the same step again
  CHECK_FALSE(Must(store->otp().AdvanceOtpStep("alice", "totp", 99)));   // an earlier one
  CHECK(Must(store->otp().AdvanceOtpStep("alice", "totp", 101)));
  CHECK(Must(store->otp().FindSignerOtp("alice", "totp"))->last_step == 101);
  CHECK(Must(store->otp().FindSignerOtp("alice", "ocra"))->last_step == 0);  // per kind
  CHECK_FALSE(Must(store->otp().AdvanceOtpStep("nobody", "totp", 1)));

  for (int i = 0; i < 3; ++i) CHECK(Must(store->otp().TakeOtpTry("alice", "ocra", 3)));
  CHECK_FALSE(Must(store->otp().TakeOtpTry("alice", "ocra", 3)));
  CHECK(Must(store->otp().FindSignerOtp("alice", "ocra"))->failures == 3);
  MustOk(store->otp().ResetOtpFailures("alice", "ocra"));
  CHECK(Must(store->otp().FindSignerOtp("alice", "ocra"))->failures == 0);
  CHECK_FALSE(Must(store->otp().TakeOtpTry("nobody", "ocra", 3)));
  MustOk(store->otp().ResetOtpFailures("nobody", "ocra"));
}

}  // namespace
}  // namespace samp11
