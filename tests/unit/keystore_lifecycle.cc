// Key and signer lifecycle (keystore/lifecycle.h): disable, enable, destroy, remove, certificate
// validity, the MACs that keep statuses honest, and the migration of schema-2 files.
#include <openssl/x509.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <iterator>

#include "crypto/keys.h"
#include "keystore/keystore.h"
#include "keystore_test_util.h"

namespace samp11 {
namespace {

using testing::HexLiteral;
using testing::MakeSchemaVersion2;
using testing::NewToken;
using testing::RawDb;
using testing::TempDir;
using testing::TestToken;

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

struct Fixture {
  TempDir dir;
  TestToken token;
  KeyInfo alice_key;
  KeyInfo alice_key2;
  KeyInfo bob_key;

  Fixture() {
    token = NewToken(dir);
    REQUIRE(ks().signers().AddSigner("alice").ok());
    REQUIRE(ks().signers().AddSigner("bob").ok());
    alice_key = Generate("alice");
    alice_key2 = Generate("alice");
    bob_key = Generate("bob");
  }
  Keystore& ks() { return *token.keystore; }
  KeyInfo Generate(const std::string& owner) {
    auto key = ks().keys().GenerateKey(owner, KeyType::kEcP256, owner + " key", 2);
    REQUIRE_MESSAGE(key.ok(), key.status().ToString());
    return key->info;
  }
  void Reopen() {
    token.keystore.reset();
    auto opened = testing::OpenTestKeystore(token.path, token.master);
    REQUIRE_MESSAGE(opened.ok(), opened.status().ToString());
    token.keystore = std::move(opened).value();
  }
  KeyState State(const KeyInfo& key, bool require_certificate = false) {
    auto usability = ks().keys().KeyUsabilityAt(key.id, Now(), require_certificate);
    REQUIRE_MESSAGE(usability.ok(), usability.status().ToString());
    return usability->state;
  }
  Code UsabilityCode(const KeyInfo& key) {
    return ks().keys().KeyUsabilityAt(key.id, Now(), false).status().code();
  }
  std::string WhereKey(const KeyInfo& key) const { return " WHERE id = " + HexLiteral(key.id); }
  // Events of the audit log, in order, for one key.
  std::vector<std::string> KeyEvents(const KeyInfo& key) {
    AuditFilter filter;
    filter.key_id = key.id;
    auto records = ks().audit().List(filter, 0);
    REQUIRE(records.ok());
    std::vector<std::string> events;
    for (const AuditRecord& r : *records) events.push_back(r.event.event + ":" + r.event.outcome);
    return events;
  }
};

// A certificate for key valid from now + from to now + to seconds.
Bytes CertificateDer(EVP_PKEY* key, long from, long to) {
  X509Ptr cert(X509_new());
  REQUIRE(cert);
  REQUIRE(X509_set_version(cert.get(), 2) == 1);
  REQUIRE(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 77) == 1);
  REQUIRE(X509_gmtime_adj(X509_getm_notBefore(cert.get()), from) != nullptr);
  REQUIRE(X509_gmtime_adj(X509_getm_notAfter(cert.get()), to) != nullptr);
  X509_NAME* name = X509_get_subject_name(cert.get());
  REQUIRE(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>("lifecycle"), -1, -1,
                                     0) == 1);
  REQUIRE(X509_set_issuer_name(cert.get(), name) == 1);
  REQUIRE(X509_set_pubkey(cert.get(), key) == 1);
  REQUIRE(X509_sign(cert.get(), key, EVP_sha256()) > 0);
  int size = i2d_X509(cert.get(), nullptr);
  REQUIRE(size > 0);
  Bytes der(static_cast<size_t>(size));
  unsigned char* p = der.data();
  REQUIRE(i2d_X509(cert.get(), &p) == size);
  return der;
}

void ImportCertificate(Fixture& f, const KeyInfo& key, long from, long to) {
  auto unwrapped = f.ks().keys().Unwrap(key.handle);
  REQUIRE(unwrapped.ok());
  auto imported = f.ks().certs().ImportCertificate(
      key.id, CertificateDer(unwrapped->private_key.get(), from, to), "");
  REQUIRE_MESSAGE(imported.ok(), imported.status().ToString());
}

std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool TokenFilesContain(const std::string& path, const Bytes& needle) {
  const std::string what(needle.begin(), needle.end());
  for (const std::string& file : {path, path + "-wal"}) {
    if (FileBytes(file).find(what) != std::string::npos) return true;
  }
  return false;
}

constexpr long kDay = 24 * 3600;

TEST_CASE("lifecycle: a disabled key may not sign until enabled; each change is audited") {
  Fixture f;
  CHECK(f.State(f.alice_key) == KeyState::kUsable);
  REQUIRE(f.ks().keys().DisableKey(f.alice_key.id, "lost phone").ok());
  CHECK(f.State(f.alice_key) == KeyState::kKeyDisabled);
  CHECK(f.State(f.alice_key2) == KeyState::kUsable);
  Status refused = f.ks().keys().CheckKeyUsable(f.alice_key.id, Now(), false);
  CHECK(refused.code() == Code::kKeyNotPermitted);
  CHECK(refused.message().find("disabled") != std::string::npos);
  // Seen by another connection (another process) at once, and after a reopen.
  f.Reopen();
  CHECK(f.State(f.alice_key) == KeyState::kKeyDisabled);
  REQUIRE(f.ks().keys().EnableKey(f.alice_key.id, "").ok());
  CHECK(f.State(f.alice_key) == KeyState::kUsable);
  auto events = f.KeyEvents(f.alice_key);
  CHECK(std::count(events.begin(), events.end(), "key-disable:ok") == 1);
  CHECK(std::count(events.begin(), events.end(), "key-enable:ok") == 1);
  CHECK(f.ks().audit().Verify()->ok());
  // An unknown key is refused, and recorded as refused.
  CHECK(f.ks().keys().DisableKey(Bytes{1, 2, 3}, "").code() == Code::kNotFound);
}

TEST_CASE("lifecycle: key states kept between checks never hide a change, whoever made it") {
  // KeyUsabilityAt keeps a key's checked rows while nothing may have changed them
  // (StateStore::KeyStateVersion): these are the changes that must still be seen at once.
  Fixture f;
  CHECK(f.State(f.alice_key) == KeyState::kUsable);
  CHECK(f.State(f.alice_key) == KeyState::kUsable);  // now kept
  auto other =
      testing::OpenTestKeystore(f.token.path, f.token.master);  // another process's connection
  REQUIRE_MESSAGE(other.ok(), other.status().ToString());
  SUBCASE("disabled through another connection") {
    REQUIRE((*other)->keys().DisableKey(f.alice_key.id, "lost phone").ok());
    CHECK(f.State(f.alice_key) == KeyState::kKeyDisabled);
    REQUIRE((*other)->keys().EnableKey(f.alice_key.id, "").ok());
    CHECK(f.State(f.alice_key) == KeyState::kUsable);
  }
  SUBCASE("its signer disabled through another connection") {
    REQUIRE((*other)->signers().DisableSigner("alice", "left").ok());
    CHECK(f.State(f.alice_key) == KeyState::kSignerDisabled);
  }
  SUBCASE("signatures' own writes in between, then a disable by this connection") {
    AuditEvent event;
    event.event = audit_event::kSign;
    event.outcome = audit_outcome::kOk;
    event.signer = "alice";
    event.key_id = f.alice_key.id;
    Status audited = f.ks().audit().Append(event, AuditLog::Durability::kLazy);
    REQUIRE_MESSAGE(audited.ok(), audited.ToString());
    CHECK(f.State(f.alice_key) == KeyState::kUsable);
    REQUIRE(f.ks().keys().DisableKey(f.alice_key.id, "").ok());
    CHECK(f.State(f.alice_key) == KeyState::kKeyDisabled);
  }
}

TEST_CASE("lifecycle: a key state kept between checks never hides a status edited by hand" *
          testing::SqliteOnly()) {
  Fixture f;
  CHECK(f.State(f.alice_key) == KeyState::kUsable);
  CHECK(f.State(f.alice_key) == KeyState::kUsable);  // now kept
  REQUIRE(f.ks().keys().DisableKey(f.alice_key2.id, "").ok());
  CHECK(f.State(f.alice_key) == KeyState::kUsable);
  RawDb(f.token.path)
      .Exec(
          "UPDATE keys SET (status, status_changed, certified, status_mac) = (SELECT status, "
          "status_changed, certified, status_mac FROM keys" +
          f.WhereKey(f.alice_key2) + ")" + f.WhereKey(f.alice_key));
  CHECK(f.UsabilityCode(f.alice_key) == Code::kTampered);
}

TEST_CASE("lifecycle: an edited key status is tampering, never obeyed" * testing::SqliteOnly()) {
  Fixture f;
  REQUIRE(f.ks().keys().DisableKey(f.alice_key.id, "").ok());
  SUBCASE("status set back to enabled") {
    RawDb(f.token.path).Exec("UPDATE keys SET status = 'enabled'" + f.WhereKey(f.alice_key));
  }
  SUBCASE("status MAC removed") {
    RawDb(f.token.path)
        .Exec("UPDATE keys SET status = 'enabled', status_mac = NULL" + f.WhereKey(f.alice_key));
  }
  SUBCASE("another key's status row copied over") {
    RawDb(f.token.path)
        .Exec(
            "UPDATE keys SET (status, status_changed, certified, status_mac) = (SELECT status, "
            "status_changed, certified, status_mac FROM keys" +
            f.WhereKey(f.alice_key2) + ")" + f.WhereKey(f.alice_key));
  }
  f.Reopen();
  CHECK(f.UsabilityCode(f.alice_key) == Code::kTampered);
  CHECK(f.ks().keys().CheckKeyUsable(f.alice_key.id, Now(), false).code() == Code::kTampered);
  CHECK(f.State(f.alice_key2) == KeyState::kUsable);
}

TEST_CASE("lifecycle: a destroyed key is gone from the file, its id never reused" *
          testing::SqliteOnly()) {
  Fixture f;
  auto row = testing::RawStore(f.token.path)->keys().FindKeyById(f.alice_key.id);
  REQUIRE(row.ok());
  REQUIRE(row->has_value());
  const Bytes blob = (*row)->wrapped_private;
  REQUIRE(blob.size() > 64);
  // The search must be able to find it: the blob is in the files before the destroy.
  REQUIRE(TokenFilesContain(f.token.path, Bytes(blob.begin() + 16, blob.begin() + 48)));

  REQUIRE(f.ks().keys().DestroyKey(f.alice_key.id, "signer request").ok());
  CHECK_FALSE(TokenFilesContain(f.token.path, Bytes(blob.begin() + 16, blob.begin() + 48)));
  CHECK_FALSE(TokenFilesContain(f.token.path, Bytes(blob.end() - 32, blob.end())));

  CHECK(f.State(f.alice_key) == KeyState::kDestroyed);
  CHECK(f.ks().keys().Unwrap(f.alice_key.handle).status().code() == Code::kNotFound);
  CHECK_FALSE(f.ks().keys().FindKeyByHandle(f.alice_key.handle)->has_value());
  CHECK_FALSE(f.ks().keys().FindKeyById(f.alice_key.id)->has_value());
  auto listed = f.ks().keys().ListKeys(0, 100);
  REQUIRE(listed.ok());
  CHECK(listed->size() == 2);
  CHECK(f.ks().keys().DestroyKey(f.alice_key.id, "").code() == Code::kNotFound);
  CHECK(f.ks().keys().EnableKey(f.alice_key.id, "").code() == Code::kNotFound);
  CHECK(f.ks()
            .keys()
            .GenerateKey("alice", KeyType::kEcP256, "again", 2, f.alice_key.id)
            .status()
            .code() == Code::kAlreadyExists);
  // Resurrecting the row's status does not bring a key back: there is nothing left to unwrap.
  RawDb(f.token.path).Exec("UPDATE keys SET status = 'enabled'" + f.WhereKey(f.alice_key));
  f.Reopen();
  CHECK(f.ks().keys().Unwrap(f.alice_key.handle).status().code() == Code::kTampered);
  auto events = f.KeyEvents(f.alice_key);
  CHECK(std::count(events.begin(), events.end(), "key-destroy:ok") == 1);
}

TEST_CASE("lifecycle: a disabled signer's keys may not sign; a removed signer is gone" *
          testing::SqliteOnly()) {
  Fixture f;
  auto device = GenerateKey(KeyType::kEcP256);
  REQUIRE(device.ok());
  auto kid = f.ks().signers().AddActivationKey(ActivationKeyRole::kDevice, "alice", device->get());
  REQUIRE(kid.ok());
  REQUIRE(f.ks().signers().DisableSigner("alice", "on leave").ok());
  CHECK(f.State(f.alice_key) == KeyState::kSignerDisabled);
  CHECK(f.State(f.alice_key2) == KeyState::kSignerDisabled);
  CHECK(f.State(f.bob_key) == KeyState::kUsable);
  CHECK(*f.ks().signers().SignerExists("alice"));  // still enrolled: SADs verify, keys refuse
  RawDb(f.token.path).Exec("UPDATE signers SET status = 'enabled' WHERE name = 'alice'");
  f.Reopen();
  CHECK(f.UsabilityCode(f.alice_key) == Code::kTampered);
  CHECK(f.ks().signers().SignerExists("alice").status().code() == Code::kTampered);
  RawDb(f.token.path).Exec("UPDATE signers SET status = 'disabled' WHERE name = 'alice'");
  REQUIRE(f.ks().signers().EnableSigner("alice", "").ok());
  CHECK(f.State(f.alice_key) == KeyState::kUsable);

  // Removing needs the keys gone first.
  Status refused = f.ks().RemoveSigner("alice", false, "");
  CHECK(refused.code() == Code::kArgumentsBad);
  CHECK(refused.message().find("2 key(s)") != std::string::npos);
  CHECK(f.State(f.alice_key) == KeyState::kUsable);
  REQUIRE(f.ks().RemoveSigner("alice", true, "contract ended").ok());
  CHECK(f.State(f.alice_key) == KeyState::kDestroyed);
  CHECK(f.State(f.alice_key2) == KeyState::kDestroyed);
  CHECK_FALSE(*f.ks().signers().SignerExists("alice"));
  CHECK(f.ks().signers().GetActivationKey(*kid).status().code() == Code::kNotFound);
  auto signers = f.ks().signers().ListSigners();
  REQUIRE(signers.ok());
  CHECK(*signers == std::vector<std::string>{"bob"});
  // The name stays taken: the audit log and the destroyed keys still carry it.
  CHECK(f.ks().signers().AddSigner("alice").code() == Code::kAlreadyExists);
  CHECK(f.ks().signers().EnableSigner("alice", "").code() == Code::kNotFound);
  CHECK(f.ks().keys().GenerateKey("alice", KeyType::kEcP256, "", 2).status().code() ==
        Code::kNotFound);
  CHECK(f.State(f.bob_key) == KeyState::kUsable);
  CHECK(f.ks().audit().Verify()->ok());
}

TEST_CASE("lifecycle: an activation key removed is gone at once, for every connection") {
  Fixture f;
  auto phone = GenerateKey(KeyType::kEcP256);
  auto laptop = GenerateKey(KeyType::kEcP256);
  auto server = GenerateKey(KeyType::kEcP256);
  REQUIRE((phone.ok() && laptop.ok() && server.ok()));
  Signers& signers = f.ks().signers();
  auto phone_kid = signers.AddActivationKey(ActivationKeyRole::kDevice, "alice", phone->get());
  auto laptop_kid = signers.AddActivationKey(ActivationKeyRole::kDevice, "alice", laptop->get());
  auto server_kid =
      signers.AddActivationKey(ActivationKeyRole::kAuthorizationServer, "idp", server->get());
  REQUIRE((phone_kid.ok() && laptop_kid.ok() && server_kid.ok()));
  // Another process's connection, which has looked the phone's key up (and so keeps it).
  auto other = testing::OpenTestKeystore(f.token.path, f.token.master);
  REQUIRE_MESSAGE(other.ok(), other.status().ToString());
  REQUIRE((*other)->signers().GetActivationKey(*phone_kid).ok());
  REQUIRE((*other)->signers().GetActivationKey(*phone_kid).ok());

  // Refused, nothing removed: not that owner's, not that role's, no such key.
  Status wrong_owner =
      signers.RemoveActivationKey(ActivationKeyRole::kDevice, "bob", *phone_kid, "");
  CHECK(wrong_owner.code() == Code::kArgumentsBad);
  CHECK(wrong_owner.message().find("device key of 'alice'") != std::string::npos);
  CHECK(signers.RemoveActivationKey(ActivationKeyRole::kDevice, "idp", *server_kid, "").code() ==
        Code::kArgumentsBad);
  CHECK(
      signers.RemoveActivationKey(ActivationKeyRole::kAuthorizationServer, "alice", *phone_kid, "")
          .code() == Code::kArgumentsBad);
  CHECK(
      signers.RemoveActivationKey(ActivationKeyRole::kDevice, "alice", "no-such-kid", "").code() ==
      Code::kNotFound);
  CHECK((*other)->signers().GetActivationKey(*phone_kid).ok());

  REQUIRE(signers.RemoveActivationKey(ActivationKeyRole::kDevice, "alice", *phone_kid, "phone lost")
              .ok());
  CHECK(signers.GetActivationKey(*phone_kid).status().code() == Code::kNotFound);
  CHECK((*other)->signers().GetActivationKey(*phone_kid).status().code() == Code::kNotFound);
  CHECK((*other)->signers().GetActivationKey(*laptop_kid).ok());  // the signer's other device
  CHECK(*signers.SignerExists("alice"));
  CHECK(f.State(f.alice_key) == KeyState::kUsable);
  // Removed twice: there is nothing left to remove.
  CHECK(signers.RemoveActivationKey(ActivationKeyRole::kDevice, "alice", *phone_kid, "").code() ==
        Code::kNotFound);
  REQUIRE(
      signers.RemoveActivationKey(ActivationKeyRole::kAuthorizationServer, "idp", *server_kid, "")
          .ok());
  CHECK((*other)->signers().GetActivationKey(*server_kid).status().code() == Code::kNotFound);

  // Every attempt is in the log: 4 refused (the unknown one among them) and 1 removed for the
  // phone, plus the server's; and the log still verifies.
  AuditFilter filter;
  filter.event = audit_event::kActivationKeyRemove;
  filter.limit = kMaxAuditPage;
  auto records = f.ks().audit().List(filter, 0);
  REQUIRE(records.ok());
  REQUIRE(records->size() == 7);
  const AuditRecord& removed = (*records)[4];
  CHECK(removed.event.outcome == audit_outcome::kOk);
  CHECK(removed.event.kid == *phone_kid);
  CHECK(removed.event.signer == "alice");
  CHECK(removed.event.detail == "device key: phone lost");
  CHECK((*records)[0].event.outcome == audit_outcome::kRefused);
  CHECK((*records)[6].event.detail == "authorization-server 'idp' key");
  CHECK(f.ks().audit().Verify()->ok());
}

TEST_CASE(
    "lifecycle: an authorization server is disabled and enabled whole, for every connection") {
  Fixture f;
  auto one = GenerateKey(KeyType::kEcP256);
  auto two = GenerateKey(KeyType::kEcP256);
  auto phone = GenerateKey(KeyType::kEcP256);
  REQUIRE((one.ok() && two.ok() && phone.ok()));
  Signers& signers = f.ks().signers();
  REQUIRE(
      signers.AddActivationKey(ActivationKeyRole::kAuthorizationServer, "idp", one->get(), "idp-1")
          .ok());
  REQUIRE(
      signers.AddActivationKey(ActivationKeyRole::kAuthorizationServer, "idp", two->get(), "idp-2")
          .ok());
  REQUIRE(signers.AddActivationKey(ActivationKeyRole::kDevice, "alice", phone->get(), "alice-phone")
              .ok());
  auto other = testing::OpenTestKeystore(f.token.path, f.token.master);
  REQUIRE_MESSAGE(other.ok(), other.status().ToString());
  REQUIRE((*other)->signers().GetActivationKey("idp-1")->enabled);  // kept by that connection

  CHECK(signers.SetIssuerEnabled("nobody", false, "").code() == Code::kNotFound);
  CHECK(signers.SetIssuerEnabled("alice", false, "").code() == Code::kNotFound);  // a signer
  REQUIRE(signers.SetIssuerEnabled("idp", false, "suspected compromise").ok());
  for (const char* kid : {"idp-1", "idp-2"}) {
    CHECK_FALSE(signers.GetActivationKey(kid)->enabled);
    CHECK_FALSE((*other)->signers().GetActivationKey(kid)->enabled);
  }
  CHECK((*other)->signers().GetActivationKey("alice-phone")->enabled);
  REQUIRE(signers.SetIssuerEnabled("idp", false, "").ok());  // already: nothing to do
  // Reopened: the status is authenticated with the row.
  f.Reopen();
  CHECK_FALSE(f.ks().signers().GetActivationKey("idp-2")->enabled);
  REQUIRE(f.ks().signers().SetIssuerEnabled("idp", true, "cleared").ok());
  CHECK(f.ks().signers().GetActivationKey("idp-1")->enabled);
  CHECK((*other)->signers().GetActivationKey("idp-2")->enabled);

  AuditFilter filter;
  filter.event = audit_event::kIssuerDisable;
  auto disabled = f.ks().audit().List(filter, 0);
  REQUIRE(disabled.ok());
  REQUIRE(disabled->size() == 4);  // nobody, alice (refused), idp, idp again
  CHECK((*disabled)[0].event.outcome == audit_outcome::kRefused);
  CHECK((*disabled)[2].event.outcome == audit_outcome::kOk);
  CHECK((*disabled)[2].event.detail ==
        "authorization server 'idp' keys idp-1, idp-2: suspected compromise");
  filter.event = audit_event::kIssuerEnable;
  CHECK(f.ks().audit().List(filter, 0)->size() == 1);
  CHECK(f.ks().audit().Verify()->ok());
}

TEST_CASE("lifecycle: an issuer's status set back by hand is tampering" * testing::SqliteOnly()) {
  Fixture f;
  auto one = GenerateKey(KeyType::kEcP256);
  REQUIRE(one.ok());
  REQUIRE(f.ks()
              .signers()
              .AddActivationKey(ActivationKeyRole::kAuthorizationServer, "idp", one->get(), "idp-1")
              .ok());
  REQUIRE(f.ks().signers().SetIssuerEnabled("idp", false, "").ok());
  // As a row never changed looks, with the MAC it has now: no such MAC fits that form.
  RawDb(f.token.path)
      .Exec(
          "UPDATE activation_keys SET status = 'enabled', status_changed = 0 WHERE kid = 'idp-1'");
  f.Reopen();
  CHECK(f.ks().signers().GetActivationKey("idp-1").status().code() == Code::kTampered);
  CHECK(f.ks().signers().SetIssuerEnabled("idp", true, "").code() == Code::kTampered);
}

TEST_CASE("lifecycle: a schema-4 file (no activation key status) opens with its keys enabled" *
          testing::SqliteOnly()) {
  Fixture f;
  auto one = GenerateKey(KeyType::kEcP256);
  REQUIRE(one.ok());
  REQUIRE(f.ks()
              .signers()
              .AddActivationKey(ActivationKeyRole::kAuthorizationServer, "idp", one->get(), "idp-1")
              .ok());
  {
    RawDb raw(f.token.path);
    testing::MakeSchemaVersion4(raw);
  }
  f.Reopen();
  auto key = f.ks().signers().GetActivationKey("idp-1");
  REQUIRE_MESSAGE(key.ok(), key.status().ToString());
  CHECK(key->enabled);
  REQUIRE(f.ks().signers().SetIssuerEnabled("idp", false, "").ok());
  CHECK_FALSE(f.ks().signers().GetActivationKey("idp-1")->enabled);
}

TEST_CASE("lifecycle: an edited activation key row is not removed, it is tampering" *
          testing::SqliteOnly()) {
  Fixture f;
  auto phone = GenerateKey(KeyType::kEcP256);
  REQUIRE(phone.ok());
  auto kid = f.ks().signers().AddActivationKey(ActivationKeyRole::kDevice, "alice", phone->get());
  REQUIRE(kid.ok());
  // Someone with the file re-assigns the key to bob, to have it removed under his name.
  RawDb(f.token.path).Exec("UPDATE activation_keys SET owner = 'bob' WHERE kid = '" + *kid + "'");
  f.Reopen();
  CHECK(f.ks().signers().RemoveActivationKey(ActivationKeyRole::kDevice, "bob", *kid, "").code() ==
        Code::kTampered);
  CHECK(f.ks().signers().ListActivationKeys().status().code() == Code::kTampered);
}

TEST_CASE("lifecycle: a certified key signs only while a certificate is valid") {
  Fixture f;
  SUBCASE("valid") {
    ImportCertificate(f, f.alice_key, -kDay, kDay);
    CHECK(f.State(f.alice_key) == KeyState::kUsable);
  }
  SUBCASE("expired") {
    ImportCertificate(f, f.alice_key, -2 * kDay, -kDay);
    CHECK(f.State(f.alice_key) == KeyState::kCertificateExpired);
    CHECK(f.ks().keys().CheckKeyUsable(f.alice_key.id, Now(), false).message().find("expired") !=
          std::string::npos);
  }
  SUBCASE("not yet valid") {
    ImportCertificate(f, f.alice_key, kDay, 2 * kDay);
    CHECK(f.State(f.alice_key) == KeyState::kCertificateNotYetValid);
    auto later = f.ks().keys().KeyUsabilityAt(f.alice_key.id, Now() + kDay + 60, false);
    REQUIRE(later.ok());
    CHECK(later->state == KeyState::kUsable);
  }
  SUBCASE("renewed: an expired and a valid certificate") {
    ImportCertificate(f, f.alice_key, -2 * kDay, -kDay);
    ImportCertificate(f, f.alice_key, -60, kDay);
    CHECK(f.State(f.alice_key) == KeyState::kUsable);
  }
  // Keys without a certificate sign unless the token requires one.
  CHECK(f.State(f.alice_key2) == KeyState::kUsable);
  CHECK(f.State(f.alice_key2, true) == KeyState::kNoCertificate);
}

TEST_CASE("lifecycle: certificate rows are authenticated" * testing::SqliteOnly()) {
  Fixture f;
  ImportCertificate(f, f.alice_key, -2 * kDay, -kDay);
  SUBCASE("validity extended in the row") {
    RawDb(f.token.path).Exec("UPDATE certs SET not_after = not_after + 100000000");
    f.Reopen();
    CHECK(f.UsabilityCode(f.alice_key) == Code::kTampered);
  }
  SUBCASE("the expired certificate deleted") {
    RawDb(f.token.path).Exec("DELETE FROM certs");
    f.Reopen();
    CHECK(f.UsabilityCode(f.alice_key) == Code::kTampered);
  }
  SUBCASE("certified flag cleared") {
    RawDb(f.token.path).Exec("DELETE FROM certs");
    RawDb(f.token.path).Exec("UPDATE keys SET certified = 0" + f.WhereKey(f.alice_key));
    f.Reopen();
    CHECK(f.UsabilityCode(f.alice_key) == Code::kTampered);
  }
}

TEST_CASE("lifecycle: a schema-2 file is migrated: everything enabled, MACs filled once" *
          testing::SqliteOnly()) {
  Fixture f;
  ImportCertificate(f, f.bob_key, -2 * kDay, -kDay);
  f.token.keystore.reset();
  {
    RawDb raw(f.token.path);
    MakeSchemaVersion2(raw);
  }
  f.Reopen();
  auto version = testing::RawStore(f.token.path)->meta().GetMeta("schema_version");
  REQUIRE(version.ok());
  CHECK(**version == "6");
  CHECK(f.State(f.alice_key) == KeyState::kUsable);
  CHECK(f.ks().keys().Unwrap(f.alice_key.handle).ok());
  CHECK(f.State(f.bob_key) == KeyState::kCertificateExpired);  // certified during the migration
  REQUIRE(f.ks().keys().DisableKey(f.alice_key.id, "").ok());
  f.Reopen();  // a second open changes nothing
  CHECK(f.State(f.alice_key) == KeyState::kKeyDisabled);
  // A MAC removed after the migration is not filled again: it is tampering.
  RawDb(f.token.path)
      .Exec("UPDATE keys SET status = 'enabled', status_mac = NULL" + f.WhereKey(f.alice_key));
  f.Reopen();
  CHECK(f.UsabilityCode(f.alice_key) == Code::kTampered);
}

}  // namespace
}  // namespace samp11
