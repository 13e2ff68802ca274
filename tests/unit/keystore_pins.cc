// Signers' PINs in the keystore: set, check, count, lock, reset, and the attacker who edits the
// signer_pins rows behind the module's back.
#include <doctest/doctest.h>

#include <thread>
#include <vector>

#include "keystore/key_policy.h"
#include "keystore/keystore.h"
#include "keystore/pin_hash.h"
#include "keystore_test_util.h"

namespace samp11 {
namespace {

using testing::HexLiteral;
using testing::NewToken;
using testing::RawDb;
using testing::TempDir;
using testing::TestToken;

constexpr int kTries = 3;

struct Fixture {
  TempDir dir;
  TestToken token = NewToken(dir);
  Keystore& ks = *token.keystore;

  Fixture() {
    REQUIRE(ks.signers().AddSigner("alice").ok());
    REQUIRE(ks.signers().AddSigner("bob").ok());
  }

  PinCheck Check(const std::string& signer, std::string_view pin) {
    auto check = ks.pins().CheckSignerPin(signer, pin, kTries);
    REQUIRE_MESSAGE(check.ok(), check.status().ToString());
    return *check;
  }

  int64_t Failures(const std::string& signer) {
    auto row = testing::RawStore(token.path)->pins().FindSignerPin(signer);
    REQUIRE(row.ok());
    REQUIRE(row->has_value());
    return (*row)->failures;
  }
};

TEST_CASE("pins: a set PIN checks, a wrong one does not, and nothing stores the PIN") {
  Fixture f;
  REQUIRE(f.ks.pins().SetSignerPin("alice", "1234").ok());
  PinCheck ok = f.Check("alice", "1234");
  CHECK(ok.result == PinCheck::kOk);
  CHECK(ok.remaining == kTries);
  PinCheck wrong = f.Check("alice", "4321");
  CHECK(wrong.result == PinCheck::kIncorrect);
  CHECK(wrong.remaining == kTries - 1);
  // Another signer's PIN is another signer's: bob has none.
  CHECK(f.Check("bob", "1234").result == PinCheck::kNoPin);
  CHECK(f.Check("nobody", "1234").result == PinCheck::kNoPin);

  auto row = testing::RawStore(f.token.path)->pins().FindSignerPin("alice");
  REQUIRE(row.ok());
  REQUIRE(row->has_value());
  CHECK((*row)->salt.size() == kPinSaltBytes);
  CHECK((*row)->hash.size() == 32);
  CHECK(HexEncode((*row)->hash).find(HexEncode(ToBytes("1234"))) == std::string::npos);
}

TEST_CASE("pins: the format is 4..64 printable ASCII characters without ':'") {
  Fixture f;
  for (std::string_view bad : {"123", "", "12\n4", "12:34", "caf\xc3\xa9"}) {
    Status s = f.ks.pins().SetSignerPin("alice", bad);
    CHECK(s.code() == Code::kArgumentsBad);
  }
  CHECK(f.ks.pins().SetSignerPin("alice", std::string(65, '7')).code() == Code::kArgumentsBad);
  CHECK(f.ks.pins().SetSignerPin("alice", std::string(64, '7')).ok());
  CHECK(f.ks.pins().SetSignerPin("alice", "a passphrase with spaces ~!").ok());
  CHECK(f.ks.pins().SetSignerPin("nobody", "1234").code() == Code::kNotFound);
  REQUIRE(f.ks.signers().AddSigner("ops:seal").ok());
  CHECK(f.ks.pins().SetSignerPin("ops:seal", "1234").code() == Code::kArgumentsBad);
}

TEST_CASE("pins: wrong PINs lock after max_tries; a locked PIN refuses even the right one") {
  Fixture f;
  REQUIRE(f.ks.pins().SetSignerPin("alice", "1234").ok());
  CHECK(f.Check("alice", "0000").remaining == 2);
  CHECK(f.Check("alice", "0000").remaining == 1);
  PinCheck last = f.Check("alice", "0000");
  CHECK(last.result == PinCheck::kIncorrect);
  CHECK(last.remaining == 0);
  CHECK(f.Failures("alice") == kTries);
  PinCheck locked = f.Check("alice", "1234");
  CHECK(locked.result == PinCheck::kLocked);
  CHECK(locked.remaining == 0);
  CHECK(f.Failures("alice") == kTries);  // a refused try on a locked PIN counts nothing more
  // A PIN that is not even of the right form still counts as a try (it is wrong).
  REQUIRE(f.ks.pins().SetSignerPin("bob", "abcd").ok());
  CHECK(f.Check("bob", "x").result == PinCheck::kIncorrect);
  CHECK(f.Failures("bob") == 1);
}

TEST_CASE("pins: a right PIN resets the count; a new PIN unlocks") {
  Fixture f;
  REQUIRE(f.ks.pins().SetSignerPin("alice", "1234").ok());
  CHECK(f.Check("alice", "0000").result == PinCheck::kIncorrect);
  CHECK(f.Check("alice", "0000").result == PinCheck::kIncorrect);
  CHECK(f.Check("alice", "1234").result == PinCheck::kOk);
  CHECK(f.Failures("alice") == 0);
  for (int i = 0; i < kTries; ++i) CHECK(f.Check("alice", "0000").result == PinCheck::kIncorrect);
  CHECK(f.Check("alice", "1234").result == PinCheck::kLocked);
  REQUIRE(f.ks.pins().SetSignerPin("alice", "5678").ok());
  CHECK(f.Failures("alice") == 0);
  CHECK(f.Check("alice", "1234").result == PinCheck::kIncorrect);
  CHECK(f.Check("alice", "5678").result == PinCheck::kOk);
}

TEST_CASE("pins: PinStatus is the worst state over all signers") {
  Fixture f;
  auto state = f.ks.pins().PinStatus(kTries);
  REQUIRE(state.ok());
  CHECK_FALSE(state->count_low);
  CHECK_FALSE(state->final_try);
  CHECK_FALSE(state->locked);
  REQUIRE(f.ks.pins().SetSignerPin("alice", "1234").ok());
  REQUIRE(f.ks.pins().SetSignerPin("bob", "5678").ok());
  CHECK(f.Check("alice", "0000").result == PinCheck::kIncorrect);
  state = f.ks.pins().PinStatus(kTries);
  CHECK(state->count_low);
  CHECK_FALSE(state->final_try);
  CHECK(f.Check("bob", "0000").result == PinCheck::kIncorrect);
  CHECK(f.Check("bob", "0000").result == PinCheck::kIncorrect);
  state = f.ks.pins().PinStatus(kTries);
  CHECK(state->final_try);
  CHECK_FALSE(state->locked);
  CHECK(f.Check("bob", "0000").result == PinCheck::kIncorrect);
  state = f.ks.pins().PinStatus(kTries);
  CHECK(state->locked);
  auto names = f.ks.pins().SignersWithPins();
  REQUIRE(names.ok());
  CHECK(*names == std::vector<std::string>{"alice", "bob"});
}

TEST_CASE("pins: concurrent wrong tries are all counted, and never more than max_tries run") {
  Fixture f;
  REQUIRE(f.ks.pins().SetSignerPin("alice", "1234").ok());
  constexpr int kThreads = 6;
  std::vector<PinCheck::Result> results(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&f, &results, i] {
      auto check = f.ks.pins().CheckSignerPin("alice", "0000", kTries);
      results[i] = check.ok() ? check->result : PinCheck::kNoPin;
    });
  }
  for (std::thread& t : threads) t.join();
  int incorrect = 0;
  int locked = 0;
  for (PinCheck::Result r : results) {
    incorrect += r == PinCheck::kIncorrect;
    locked += r == PinCheck::kLocked;
  }
  CHECK(incorrect == kTries);
  CHECK(locked == kThreads - kTries);
  CHECK(f.Failures("alice") == kTries);
}

TEST_CASE("pins: edited or swapped rows are refused as tampered, failures cannot be reset" *
          testing::SqliteOnly()) {
  Fixture f;
  REQUIRE(f.ks.pins().SetSignerPin("alice", "1234").ok());
  REQUIRE(f.ks.pins().SetSignerPin("bob", "5678").ok());
  RawDb raw(f.token.path);

  SUBCASE("the hash replaced by one of the attacker's PIN") {
    // Bob's (salt, hash) copied onto alice: bob's PIN must not open alice's keys.
    raw.Exec(
        "UPDATE signer_pins SET salt = (SELECT salt FROM signer_pins WHERE name = 'bob'), "
        "hash = (SELECT hash FROM signer_pins WHERE name = 'bob') WHERE name = 'alice'");
    auto check = f.ks.pins().CheckSignerPin("alice", "5678", kTries);
    CHECK(check.status().code() == Code::kTampered);
  }
  SUBCASE("the salt edited") {
    raw.ExecWithBlob("UPDATE signer_pins SET salt = ? WHERE name = 'alice'", Bytes(16, 0x42));
    CHECK(f.ks.pins().CheckSignerPin("alice", "1234", kTries).status().code() == Code::kTampered);
  }
  SUBCASE("a whole row moved to another signer") {
    raw.Exec("DELETE FROM signer_pins WHERE name = 'alice'");
    raw.Exec(
        "INSERT INTO signer_pins(name, salt, hash, failures, mac) SELECT 'alice', salt, hash, 0, "
        "mac FROM signer_pins WHERE name = 'bob'");
    CHECK(f.ks.pins().CheckSignerPin("alice", "5678", kTries).status().code() == Code::kTampered);
  }
  SUBCASE("the MAC edited") {
    raw.ExecWithBlob("UPDATE signer_pins SET mac = ? WHERE name = 'alice'", Bytes(32, 0));
    CHECK(f.ks.pins().CheckSignerPin("alice", "1234", kTries).status().code() == Code::kTampered);
  }
  // A tampered row is refused before any try is taken.
  auto row = testing::RawStore(f.token.path)->pins().FindSignerPin("alice");
  REQUIRE(row.ok());
  if (row->has_value()) CHECK((*row)->failures == 0);
}

TEST_CASE("pins: the stored hash is keyed: another token's master key cannot check it") {
  Fixture f;
  REQUIRE(f.ks.pins().SetSignerPin("alice", "1234").ok());
  auto row = testing::RawStore(f.token.path)->pins().FindSignerPin("alice");
  REQUIRE(row.ok());
  REQUIRE(row->has_value());
  // A guess hashed without this token's key (a zero key) never matches the stored hash.
  SecureBytes zero(32);
  auto other_key = PinHashKey(zero);
  REQUIRE(other_key.ok());
  auto guess = HashPin(*other_key, "1234", (*row)->salt);
  REQUIRE(guess.ok());
  CHECK(*guess != (*row)->hash);
}

TEST_CASE("key policy: SCAL1 needs limits, SCAL2 takes none, the JSON round-trips") {
  CHECK(*KeyPolicyJson(2, std::nullopt) == "{}");
  CHECK(KeyPolicyJson(2, ActivationLimits{5, std::nullopt}).status().code() == Code::kArgumentsBad);
  CHECK(KeyPolicyJson(1, std::nullopt).status().code() == Code::kArgumentsBad);
  CHECK(KeyPolicyJson(1, ActivationLimits{}).status().code() == Code::kArgumentsBad);
  CHECK(KeyPolicyJson(1, ActivationLimits{0, std::nullopt}).status().code() == Code::kArgumentsBad);
  CHECK(KeyPolicyJson(1, ActivationLimits{1000001, std::nullopt}).status().code() ==
        Code::kArgumentsBad);
  CHECK(KeyPolicyJson(1, ActivationLimits{std::nullopt, 86401}).status().code() ==
        Code::kArgumentsBad);
  auto json = KeyPolicyJson(1, ActivationLimits{10, 600});
  REQUIRE(json.ok());
  CHECK(*json == R"({"activation":{"max_signatures":10,"max_seconds":600}})");
  auto limits = ActivationLimitsOf(*json);
  REQUIRE(limits.ok());
  REQUIRE(limits->has_value());
  CHECK((*limits)->max_signatures == 10);
  CHECK((*limits)->max_seconds == 600);
  auto only_time = ActivationLimitsOf(*KeyPolicyJson(1, ActivationLimits{std::nullopt, 60}));
  REQUIRE(only_time.ok());
  CHECK_FALSE((*only_time)->max_signatures.has_value());
  CHECK(ActivationLimitsOf("{}")->has_value() == false);
  for (const char* odd :
       {"[]", "not json", R"({"other":1})", R"({"activation":{"max_x":1}})",
        R"({"activation":{"max_signatures":"5"}})", R"({"activation":{"max_signatures":0}})"}) {
    CHECK(ActivationLimitsOf(odd).status().code() == Code::kUnsupported);
  }
}

TEST_CASE("keys: a SCAL1 key is generated with its limits bound into the wrap AAD" *
          testing::SqliteOnly()) {
  Fixture f;
  CHECK(f.ks.keys().GenerateKey("alice", KeyType::kEcP256, "seal", 1).status().code() ==
        Code::kArgumentsBad);
  CHECK(f.ks.keys()
            .GenerateKey("alice", KeyType::kEcP256, "k", 2, Bytes(), ActivationLimits{5, {}})
            .status()
            .code() == Code::kArgumentsBad);
  auto key = f.ks.keys().GenerateKey("alice", KeyType::kEcP256, "seal", 1, Bytes(),
                                     ActivationLimits{5, {}});
  REQUIRE(key.ok());
  CHECK(key->info.scal == 1);
  CHECK(key->info.policy_json == R"({"activation":{"max_signatures":5}})");
  // Raising the limit in the file makes the key unusable, never more usable.
  RawDb raw(f.token.path);
  raw.Exec(
      R"(UPDATE keys SET policy_json = '{"activation":{"max_signatures":1000000}}' WHERE id = )" +
      HexLiteral(key->info.id));
  auto reopened = testing::OpenTestKeystore(f.token.path, f.token.master);
  REQUIRE(reopened.ok());
  CHECK((*reopened)->keys().Unwrap(key->info.handle).status().code() == Code::kTampered);
}

}  // namespace
}  // namespace samp11
