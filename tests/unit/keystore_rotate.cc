// Master-key rotation (keystore/rotate_master_key.cc): every key re-wrapped and every MAC remade
// under the new key, the old key refused afterwards, and nothing changed when a row fails its
// check. The crash safety of the command is tested by tests/integration/rotate_crash_test.sh.
#include <stdlib.h>

#include <doctest/doctest.h>

#include <ctime>
#include <map>

#include "crypto/keys.h"
#include "keystore/keystore.h"
#include "keystore_test_util.h"
#include "otp_test_util.h"

namespace samp11 {
namespace {

using testing::HexLiteral;
using testing::NewKeyFile;
using testing::NewToken;
using testing::RawDb;
using testing::TempDir;
using testing::TestToken;

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

EvpPkeyPtr NewDeviceKey() {
  auto key = GenerateKey(KeyType::kEcP256);
  REQUIRE(key.ok());
  return std::move(key).value();
}

// A token with some of everything a rotation must carry over: keys of three types and both
// SCALs, a disabled and a destroyed key, a device key, a PIN, a long audit log.
struct Populated {
  TempDir dir;
  TestToken token;
  std::map<std::string, KeyInfo> keys;  // by label
  std::map<std::string, EvpPkeyPtr> private_keys;
  std::string device_kid;
  Bytes totp_secret;
  Bytes ocra_secret;
  int64_t totp_at = 1795000000;  // each check takes a later step

  Populated() {
    token = NewToken(dir);
    REQUIRE(ks().signers().AddSigner("alice").ok());
    REQUIRE(ks().signers().AddSigner("bob").ok());
    Generate("alice", KeyType::kEcP256, "ec", 2);
    Generate("alice", KeyType::kEd25519, "ed", 2);
    Generate("bob", KeyType::kRsa2048, "rsa", 2);
    ActivationLimits limits;
    limits.max_signatures = 5;
    Generate("bob", KeyType::kEcP256, "seal", 1, limits);
    Generate("bob", KeyType::kEcP256, "disabled", 2);
    Generate("bob", KeyType::kEd25519, "destroyed", 2);
    REQUIRE(ks().keys().DisableKey(keys["disabled"].id, "test").ok());
    REQUIRE(ks().keys().DestroyKey(keys["destroyed"].id, "test").ok());
    EvpPkeyPtr device = NewDeviceKey();
    auto kid = ks().signers().AddActivationKey(ActivationKeyRole::kDevice, "alice", device.get());
    REQUIRE(kid.ok());
    device_kid = *kid;
    REQUIRE(ks().pins().SetSignerPin("bob", "2468").ok());
    auto totp = ks().otp().EnrolTotp("bob", TotpParams());
    REQUIRE(totp.ok());
    totp_secret = Bytes(totp->data(), totp->data() + totp->size());
    auto ocra = ks().otp().EnrolOcra("alice", "OCRA-1:HOTP-SHA256-8:QH64", std::nullopt);
    REQUIRE(ocra.ok());
    ocra_secret = Bytes(ocra->data(), ocra->data() + ocra->size());
    for (int i = 0; i < 150; ++i) {  // more than one page of audit rows
      AuditEvent event;
      event.event = audit_event::kSign;
      event.outcome = audit_outcome::kOk;
      event.signer = "alice";
      event.key_id = keys["ec"].id;
      REQUIRE(ks().audit().Append(event).ok());
    }
  }
  Keystore& ks() { return *token.keystore; }
  void Generate(const std::string& owner, KeyType type, const std::string& label, int scal,
                const std::optional<ActivationLimits>& limits = std::nullopt) {
    auto key = ks().keys().GenerateKey(owner, type, label, scal, Bytes(), limits);
    REQUIRE_MESSAGE(key.ok(), key.status().ToString());
    keys[label] = key->info;
    EVP_PKEY_up_ref(key->private_key.get());
    private_keys[label] = EvpPkeyPtr(key->private_key.get());
  }
};

// Everything the populated token held, read back through ks (a fresh object or the rotated one).
void CheckCarriedOver(Populated& p, Keystore& ks) {
  for (const char* label : {"ec", "ed", "rsa", "seal", "disabled"}) {
    CAPTURE(label);
    auto unwrapped = ks.keys().Unwrap(p.keys[label].handle);
    REQUIRE_MESSAGE(unwrapped.ok(), unwrapped.status().ToString());
    CHECK(EVP_PKEY_eq(unwrapped->private_key.get(), p.private_keys[label].get()) == 1);
  }
  CHECK(ks.keys().CheckKeyUsable(p.keys["ec"].id, Now(), false).ok());
  CHECK(ks.keys().CheckKeyUsable(p.keys["seal"].id, Now(), false).ok());
  auto disabled = ks.keys().KeyUsabilityAt(p.keys["disabled"].id, Now(), false);
  REQUIRE(disabled.ok());
  CHECK(disabled->state == KeyState::kKeyDisabled);
  CHECK(ks.keys().Unwrap(p.keys["destroyed"].handle).status().code() == Code::kNotFound);
  auto signers = ks.signers().ListSigners();
  REQUIRE(signers.ok());
  CHECK(signers->size() == 2);
  auto device = ks.signers().GetActivationKey(p.device_kid);
  REQUIRE_MESSAGE(device.ok(), device.status().ToString());
  CHECK(device->owner == "alice");
  auto pin = ks.pins().CheckSignerPin("bob", "2468", 3);
  REQUIRE_MESSAGE(pin.ok(), pin.status().ToString());
  CHECK(pin->result == PinCheck::kOk);
  auto wrong = ks.pins().CheckSignerPin("bob", "1357", 3);
  REQUIRE(wrong.ok());
  CHECK(wrong->result == PinCheck::kIncorrect);
  REQUIRE(ks.pins().CheckSignerPin("bob", "2468", 3).ok());  // back to no failures
  // The OTP secrets, rewrapped: the same codes still check.
  p.totp_at += 30;
  const std::string code =
      testing::TestTotp("SHA1", p.totp_secret.data(), p.totp_secret.size(), p.totp_at, 30, 6);
  auto totp = ks.otp().CheckTotp("bob", code, p.totp_at);
  REQUIRE_MESSAGE(totp.ok(), totp.status().ToString());
  CHECK(*totp == OtpCheck::kOk);
  const Bytes doc(32, 7);
  const std::string response =
      testing::TestOcra("OCRA-1:HOTP-SHA256-8:QH64", "SHA256", 8, p.ocra_secret.data(),
                        p.ocra_secret.size(), HexEncode(doc));
  auto ocra = ks.otp().CheckOcra("alice", doc, response, p.totp_at, 3);
  REQUIRE_MESSAGE(ocra.ok(), ocra.status().ToString());
  CHECK(ocra->result == OcraCheck::kOk);
  auto report = ks.audit().Verify();
  REQUIRE(report.ok());
  CHECK(report->ok());
}

std::string LastEvent(Keystore& ks) {
  AuditFilter filter;
  filter.limit = 1000;
  std::string last;
  int64_t after = 0;
  for (;;) {
    auto page = ks.audit().List(filter, after);
    REQUIRE(page.ok());
    if (page->empty()) return last;
    last = page->back().event.event + ":" + page->back().event.outcome;
    after = page->back().seq;
  }
}

Code OpenCode(const std::string& path, const MasterKeySource& master) {
  return testing::OpenTestKeystore(path, master).status().code();
}

TEST_CASE("rotate: keys, MACs, PINs and the audit log carry over to a new key file") {
  Populated p;
  MasterKeySource next = NewKeyFile(p.dir, "next.key");
  Status rotated = p.ks().RotateMasterKey(next);
  REQUIRE_MESSAGE(rotated.ok(), rotated.ToString());
  CHECK(LastEvent(p.ks()) == "master-key-rotate:ok");
  CheckCarriedOver(p, p.ks());  // the rotating object goes on with the new key

  p.token.keystore.reset();
  auto old = testing::OpenTestKeystore(p.token.path, p.token.master);
  CHECK(old.status().code() == Code::kConfig);
  CHECK(old.status().message().find("master key does not match") != std::string::npos);
  auto reopened = testing::OpenTestKeystore(p.token.path, next);
  REQUIRE_MESSAGE(reopened.ok(), reopened.status().ToString());
  CheckCarriedOver(p, **reopened);
  // New keys and records under the new key are fine too.
  auto more = (*reopened)->keys().GenerateKey("alice", KeyType::kEcP384, "after", 2);
  REQUIRE(more.ok());
  auto report = (*reopened)->audit().Verify();
  REQUIRE(report.ok());
  CHECK(report->ok());
}

TEST_CASE("rotate: to a passphrase and back to a key file") {
  Populated p;
  ::setenv("SAMP11_TEST_ROTATE_PASS", "correct horse battery staple", 1);
  MasterKeySource passphrase{MasterKeySource::Kind::kPassphraseEnv, "SAMP11_TEST_ROTATE_PASS"};
  REQUIRE(p.ks().RotateMasterKey(passphrase).ok());
  p.token.keystore.reset();
  CHECK(OpenCode(p.token.path, p.token.master) == Code::kConfig);
  auto by_passphrase = testing::OpenTestKeystore(p.token.path, passphrase);
  REQUIRE_MESSAGE(by_passphrase.ok(), by_passphrase.status().ToString());
  CheckCarriedOver(p, **by_passphrase);

  // The same passphrase again gets a fresh salt, hence a new key: a re-salting rotation.
  REQUIRE((*by_passphrase)->RotateMasterKey(passphrase).ok());
  MasterKeySource file = NewKeyFile(p.dir, "back.key");
  REQUIRE((*by_passphrase)->RotateMasterKey(file).ok());
  by_passphrase->reset();
  CHECK(OpenCode(p.token.path, passphrase) == Code::kConfig);  // no salt: made for a key file
  auto by_file = testing::OpenTestKeystore(p.token.path, file);
  REQUIRE_MESSAGE(by_file.ok(), by_file.status().ToString());
  CheckCarriedOver(p, **by_file);
  ::unsetenv("SAMP11_TEST_ROTATE_PASS");
}

TEST_CASE("rotate: the current key is refused as the new one") {
  Populated p;
  Status same = p.ks().RotateMasterKey(p.token.master);
  CHECK(same.code() == Code::kArgumentsBad);
  CHECK(LastEvent(p.ks()) == "master-key-rotate:refused");
  MasterKeySource missing{MasterKeySource::Kind::kKeyFile, p.dir.File("absent.key")};
  CHECK(p.ks().RotateMasterKey(missing).code() != Code::kOk);
  CHECK(OpenCode(p.token.path, p.token.master) == Code::kOk);
}

// A row edited behind the module's back stops the rotation before anything is written: a
// rotation must never make a forged row look authentic under the new key.
TEST_CASE("rotate: a tampered row aborts it and nothing changes" * testing::SqliteOnly()) {
  struct Case {
    const char* name;
    std::string sql;
  };
  for (int which = 0; which < 5; ++which) {
    Populated p;
    const std::string key = HexLiteral(p.keys["rsa"].id);
    const std::vector<Case> cases = {
        {"signer moved", "UPDATE signers SET name = 'mallory' WHERE name = 'bob'"},
        {"key status", "UPDATE keys SET status = 'enabled' WHERE label = 'disabled'"},
        {"key blob",
         "UPDATE keys SET wrapped_private = zeroblob(length(wrapped_private)) "
         "WHERE id = " +
             key},
        {"pin failures", "UPDATE signer_pins SET failures = 0, salt = x'00'"},
        {"audit row", "UPDATE audit_log SET detail = 'forged' WHERE seq = 20"},
    };
    const Case& c = cases[static_cast<size_t>(which)];
    CAPTURE(c.name);
    testing::FoldJournal(*p.token.keystore);
    {
      RawDb raw(p.token.path);
      raw.Exec(c.sql);
      REQUIRE(raw.Changes() > 0);
    }
    MasterKeySource next = NewKeyFile(p.dir, "next.key");
    Status rotated = p.ks().RotateMasterKey(next);
    CHECK(rotated.code() == Code::kTampered);
    p.token.keystore.reset();
    CHECK(OpenCode(p.token.path, p.token.master) == Code::kOk);
    CHECK(OpenCode(p.token.path, next) == Code::kConfig);
  }
}

// Another process that opened the token before the rotation must fail closed and say why.
TEST_CASE("rotate: a keystore opened with the old key refuses and says the key was rotated") {
  Populated p;
  auto stale = testing::OpenTestKeystore(p.token.path, p.token.master);
  REQUIRE(stale.ok());
  MasterKeySource next = NewKeyFile(p.dir, "next.key");
  REQUIRE(p.ks().RotateMasterKey(next).ok());

  Status unwrapped = (*stale)->keys().Unwrap(p.keys["ed"].handle).status();
  CHECK(unwrapped.code() == Code::kConfig);
  CHECK(unwrapped.message().find("rotated") != std::string::npos);
  Status usable = (*stale)->keys().CheckKeyUsable(p.keys["ec"].id, Now(), false);
  CHECK(usable.code() == Code::kConfig);
  AuditEvent event;
  event.event = audit_event::kSign;
  event.outcome = audit_outcome::kOk;
  Status audited = (*stale)->audit().Append(event);
  CHECK(audited.code() == Code::kConfig);
  CHECK(audited.message().find("rotated") != std::string::npos);
  // Its refusals wrote nothing: the log still verifies under the new key.
  auto report = p.ks().audit().Verify();
  REQUIRE(report.ok());
  CHECK(report->ok());
}

}  // namespace
}  // namespace samp11
