// Key management when the state fails: an audit log whose tail cannot be read changes nothing
// (AuditLog::CheckWritable runs first), a key whose row cannot be stored is kept nowhere (not in
// the keystore, not in its backend), and a row stored whose acknowledgement was lost is the key.
#include <openssl/x509.h>

#include <doctest/doctest.h>

#include <functional>

#include "crypto/keys.h"
#include "crypto/random.h"
#include "tests/unit/fault_test_util.h"

namespace samp11 {
namespace {

using testing::AuditState;
using testing::CheckStorageFailure;
using testing::Fault;
using testing::FaultyToken;
using testing::ReadAudit;
using testing::RvName;

// A new key's id: random, since every test's inner keys share the one SoftHSM sandbox.
Bytes NewKeyId() {
  auto id = RandomBytes(16);
  REQUIRE(id.ok());
  return *id;
}

// A certificate for key's public key, issued by a throwaway CA with OpenSSL directly (the key
// may live in an inner token, where it cannot sign its own).
Bytes CertificateFor(const KeyInfo& key) {
  auto subject_key = PublicKeyFromSpki(key.public_spki);
  REQUIRE(subject_key.ok());
  auto ca = samp11::GenerateKey(KeyType::kEcP256);
  REQUIRE(ca.ok());
  X509Ptr cert(X509_new());
  REQUIRE(cert);
  REQUIRE(X509_set_version(cert.get(), 2) == 1);
  REQUIRE(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 77) == 1);
  REQUIRE(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60) != nullptr);
  REQUIRE(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600L * 24) != nullptr);
  X509_NAME* name = X509_get_subject_name(cert.get());
  REQUIRE(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>("alice"), -1, -1,
                                     0) == 1);
  REQUIRE(X509_set_issuer_name(cert.get(), name) == 1);
  REQUIRE(X509_set_pubkey(cert.get(), subject_key->get()) == 1);
  REQUIRE(X509_sign(cert.get(), ca->get(), EVP_sha256()) > 0);
  int size = i2d_X509(cert.get(), nullptr);
  REQUIRE(size > 0);
  Bytes der(static_cast<size_t>(size));
  unsigned char* p = der.data();
  REQUIRE(i2d_X509(cert.get(), &p) == size);
  return der;
}

// One key-management operation and how its change shows in the rows.
struct Operation {
  const char* name;
  std::function<Status(Keystore&)> run;
  std::function<bool(StateStore&)> changed;
};

std::vector<Operation> Operations(const KeyInfo& key, const Bytes& cert) {
  const Bytes new_id = NewKeyId();
  return {
      {"AddSigner", [](Keystore& ks) { return ks.signers().AddSigner("carol"); },
       [](StateStore& rows) { return rows.signers().FindSigner("carol").value().has_value(); }},
      {"SetSignerPin", [](Keystore& ks) { return ks.pins().SetSignerPin("alice", "1234"); },
       [](StateStore& rows) { return rows.pins().FindSignerPin("alice").value().has_value(); }},
      {"GenerateKey",
       [new_id](Keystore& ks) {
         return ks.keys().GenerateKey("alice", KeyType::kEcP256, "new", 2, new_id).status();
       },
       [new_id](StateStore& rows) { return rows.keys().FindKeyById(new_id).value().has_value(); }},
      {"ImportCertificate",
       [key, cert](Keystore& ks) {
         return ks.certs().ImportCertificate(key.id, cert, "alice cert").status();
       },
       [key](StateStore& rows) { return !rows.certs().FindCertsByKeyId(key.id).value().empty(); }},
      {"DisableKey", [key](Keystore& ks) { return ks.keys().DisableKey(key.id, "fault test"); },
       [key](StateStore& rows) {
         return rows.keys().FindKeyById(key.id).value()->status == "disabled";
       }},
  };
}

TEST_CASE("fault: with the audit log's tail unreadable, key management changes nothing") {
  FaultyToken f;
  UnwrappedKey key = f.Key("alice");
  const std::vector<Operation> operations = Operations(key.info, CertificateFor(key.info));
  const size_t records_before = ReadAudit(*f.Fresh()).records.size();
  auto rows = f.Rows();

  for (const Operation& op : operations) {
    CAPTURE(op.name);
    f.plan().ClearCalls();
    f.plan().FailFrom("audit.GetAuditTail", 1, Fault::ErrorBefore());
    Status refused = op.run(f.keystore());
    CheckStorageFailure(refused);
    // The check of the log came first, and nothing was read or written after it.
    std::vector<testing::SeenCall> calls = f.plan().Calls();
    REQUIRE(calls.size() == 1);
    CHECK(calls[0].method == "audit.GetAuditTail");
    CHECK_FALSE(op.changed(*rows));
    f.plan().ClearRules();
  }
  AuditState audit = ReadAudit(*f.Fresh());
  CHECK(audit.verifies);
  CHECK(audit.records.size() == records_before);

  // The same operations do change the rows once the log can be read: the refusals above were
  // the fault's, not the operations'.
  for (const Operation& op : operations) {
    CAPTURE(op.name);
    Status done = op.run(f.keystore());
    CHECK_MESSAGE(done.ok(), done.ToString());
    CHECK(op.changed(*rows));
  }
  CHECK(ReadAudit(*f.Fresh()).records.size() == records_before + operations.size());
}

// Every record goes through the signature journal (JournalStore::WriteJournal), so a log that
// cannot be written is a journal that fails.
// AuditLog::CheckWritable reads the head only; the change is made, then its record fails. KNOWN
// GAP (docs/security.md): the change and its record are not one atomic write, so the change
// stands unrecorded and the caller is told so (kStorage). This test pins that behaviour.
TEST_CASE("fault: with the audit log unwritable, key management's change stands unrecorded") {
  FaultyToken f;
  UnwrappedKey key = f.Key("alice");
  const std::vector<Operation> operations = Operations(key.info, CertificateFor(key.info));
  const size_t records_before = ReadAudit(*f.Fresh()).records.size();
  auto rows = f.Rows();
  f.plan().FailFrom("journal.WriteJournal", 1, Fault::ErrorBefore());
  for (const Operation& op : operations) {
    CAPTURE(op.name);
    Status told = op.run(f.keystore());
    CheckStorageFailure(told);
    CHECK(told.message().find("succeeded, but its audit record could not be written") !=
          std::string::npos);
    CHECK(op.changed(*rows));
  }
  AuditState audit = ReadAudit(*f.Fresh());
  CHECK(audit.verifies);
  CHECK(audit.records.size() == records_before);
}

TEST_CASE("fault: an issuer whose keys cannot be updated stays as it was, and says so") {
  FaultyToken f;
  auto one = samp11::GenerateKey(KeyType::kEcP256);
  auto two = samp11::GenerateKey(KeyType::kEcP256);
  REQUIRE((one.ok() && two.ok()));
  Signers& signers = f.keystore().signers();
  REQUIRE(
      signers.AddActivationKey(ActivationKeyRole::kAuthorizationServer, "idp", one->get(), "idp-1")
          .ok());
  REQUIRE(
      signers.AddActivationKey(ActivationKeyRole::kAuthorizationServer, "idp", two->get(), "idp-2")
          .ok());
  f.plan().FailFrom("signers.UpdateActivationKeys", 1, Fault::ErrorBefore());
  CheckStorageFailure(signers.SetIssuerEnabled("idp", false, "compromised"));
  // Neither key changed (one write for both), in this process or a fresh one.
  auto fresh = f.Fresh();
  for (const char* kid : {"idp-1", "idp-2"}) {
    CHECK(signers.GetActivationKey(kid)->enabled);
    CHECK(fresh->signers().GetActivationKey(kid)->enabled);
  }
  AuditState audit = ReadAudit(*f.Fresh());
  CHECK(audit.verifies);
  std::vector<AuditRecord> records = audit.Of(audit_event::kIssuerDisable);
  REQUIRE(records.size() == 1);
  CHECK(records[0].event.outcome == audit_outcome::kError);
  f.plan().ClearRules();
  REQUIRE(signers.SetIssuerEnabled("idp", false, "compromised").ok());
  CHECK_FALSE(f.Fresh()->signers().GetActivationKey("idp-2")->enabled);
}

TEST_CASE("fault: a key whose row cannot be stored is kept nowhere") {
  FaultyToken f;
  const Bytes new_id = NewKeyId();
  f.plan().FailNth("keys.InsertKey", 1, Fault::ErrorBefore());
  auto generated = f.keystore().keys().GenerateKey("alice", KeyType::kEcP256, "lost", 2, new_id);
  REQUIRE_FALSE(generated.ok());
  CheckStorageFailure(generated.status());
  CHECK_FALSE(f.Rows()->keys().FindKeyById(new_id).value().has_value());
  auto fresh = f.Fresh();
  CHECK_FALSE(fresh->keys().FindKeyById(new_id).value().has_value());
  // The backend's key is discarded: an inner token keeps no orphan (the file backend keeps keys
  // in their rows only, so there the missing row is all there is to check).
  if (testing::TestingPkcs11Backend()) CHECK(testing::InnerObjectsWithId(new_id) == 0);
  AuditState audit = ReadAudit(*fresh);
  CHECK(audit.verifies);
  std::vector<AuditRecord> records = audit.Of(audit_event::kKeyGenerate);
  REQUIRE(records.size() == 1);
  CHECK(records[0].event.outcome == audit_outcome::kError);
  CHECK(records[0].event.key_id == new_id);

  // The id was not used up: the same generation succeeds once the store works.
  auto again = f.keystore().keys().GenerateKey("alice", KeyType::kEcP256, "kept", 2, new_id);
  REQUIRE_MESSAGE(again.ok(), again.status().ToString());
  if (testing::TestingPkcs11Backend()) CHECK(testing::InnerObjectsWithId(new_id) == 2);
}

TEST_CASE("fault: a key row stored whose acknowledgement is lost is the key generated") {
  FaultyToken f;
  const Bytes new_id = NewKeyId();
  f.plan().FailNth("keys.InsertKey", 1, Fault::ErrorAfter());
  auto generated = f.keystore().keys().GenerateKey("alice", KeyType::kEcP256, "kept", 2, new_id);
  // The row is there: the generation happened, and says so, rather than leave a key the caller
  // was told does not exist (or, in an inner token, a row whose key was discarded under it).
  REQUIRE_MESSAGE(generated.ok(), generated.status().ToString());
  CHECK(generated->info.id == new_id);
  if (testing::TestingPkcs11Backend()) CHECK(testing::InnerObjectsWithId(new_id) == 2);
  auto fresh = f.Fresh();
  auto found = fresh->keys().FindKeyById(new_id);
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK((*found)->handle == generated->info.handle);
  // It signs, wherever it lives.
  const Bytes doc = ToBytes("first document of the new key");
  Sam sam(*fresh, SamPolicy{}, DefaultClock());
  Result<Bytes> signature =
      testing::SignOnce(sam, **found, f.token().SadForData("alice", **found, doc), doc);
  REQUIRE_MESSAGE(signature.ok(), signature.status().ToString());
  CHECK(testing::VerifiesFor(**found, doc, *signature));
  AuditState audit = ReadAudit(*fresh);
  CHECK(audit.verifies);
  std::vector<AuditRecord> records = audit.Of(audit_event::kKeyGenerate);
  REQUIRE(records.size() == 1);
  CHECK(records[0].event.outcome == audit_outcome::kOk);
}

}  // namespace
}  // namespace samp11
