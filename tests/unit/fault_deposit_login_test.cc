// The user-login path (C_Login(CKU_USER, sad)) and the deposit path (a SAD handed in ahead of its
// signature) when the state fails: an accepted SAD whose record cannot be written is refused, a
// deposit that cannot be stored is refused, and a signature whose record cannot be written is
// withheld with its hash unspent, whatever activated it.
#include <doctest/doctest.h>

#include "crypto/digest.h"
#include "tests/unit/fault_test_util.h"

namespace samp11 {
namespace {

using testing::AuditState;
using testing::CheckStorageFailure;
using testing::Count;
using testing::Fault;
using testing::FaultyToken;
using testing::Prepare;
using testing::ReadAudit;
using testing::RvName;

const Bytes kDoc = ToBytes("purchase order 9");

TEST_CASE("fault: a user login whose record cannot be written is refused") {
  FaultyToken f;
  UnwrappedKey key = f.Key("alice");
  const std::string sad = f.token().SadForData("alice", key.info, kDoc);
  f.plan().FailNth("journal.WriteJournal", 1, Fault::ErrorBefore());
  auto login = f.sam().LoginUser(sad);
  REQUIRE_FALSE(login.ok());
  CheckStorageFailure(login.status());
  AuditState audit = ReadAudit(*f.Fresh());
  CHECK(audit.verifies);
  CHECK(audit.Of(audit_event::kLoginUser).empty());
  // Not a refusal remembered against the SAD: once the store works, it logs in.
  CHECK(f.sam().LoginUser(sad).ok());
}

TEST_CASE("fault: a signature under a user login whose record cannot be written is withheld") {
  FaultyToken f;
  UnwrappedKey key = f.Key("alice");
  const std::string sad = f.token().SadForData("alice", key.info, kDoc);
  const std::string jti = testing::JtiOf(sad);
  auto sign = Prepare(f.sam(), key.info, sad, kDoc, ActivationSource::kUserLogin);
  f.plan().FailNth("journal.WriteJournal", 1, Fault::ErrorBefore());
  Result<Bytes> withheld = sign->Sign(f.sam());
  REQUIRE_FALSE(withheld.ok());
  CheckStorageFailure(withheld.status());
  auto fresh = f.Fresh();
  AuditState audit = ReadAudit(*fresh);
  CHECK(audit.verifies);
  CHECK(Count(audit.Of(audit_event::kSign, jti), audit_outcome::kOk) == 0);
  // Unspent: the same user login signs it once the store works.
  Result<Bytes> signature = sign->Sign(f.sam());
  REQUIRE_MESSAGE(signature.ok(), signature.status().ToString());
  CHECK(testing::VerifiesFor(key.info, kDoc, *signature));
}

TEST_CASE("fault: a deposit that cannot be stored is refused and leaves nothing") {
  FaultyToken f;
  UnwrappedKey key = f.Key("alice");
  const std::string sad = f.token().SadForData("alice", key.info, kDoc);
  f.plan().FailNth("deposits.InsertDeposit", 1, Fault::ErrorBefore());
  auto deposited = f.sam().DepositInKeystore(sad);
  REQUIRE_FALSE(deposited.ok());
  CheckStorageFailure(deposited.status());
  auto fresh = f.Fresh();
  auto found = fresh->replay().FindDepositedSads(key.info.id, Digest(HashAlg::kSha256, kDoc), 0);
  REQUIRE(found.ok());
  CHECK(found->empty());
  AuditState audit = ReadAudit(*fresh);
  CHECK(audit.verifies);
  std::vector<AuditRecord> deposits = audit.Of(audit_event::kSadDeposit);
  REQUIRE(deposits.size() == 1);
  CHECK(deposits[0].event.outcome == audit_outcome::kError);
  // Nothing to sign from.
  auto sign = Prepare(f.sam(), key.info, "", kDoc);
  CHECK(sign->Sign(f.sam()).status().code() == Code::kNoActivation);
}

TEST_CASE("fault: a deposit whose record cannot be written is refused; the stored SAD stays") {
  FaultyToken f;
  UnwrappedKey key = f.Key("alice");
  const std::string sad = f.token().SadForData("alice", key.info, kDoc);
  const std::string jti = testing::JtiOf(sad);
  f.plan().FailNth("journal.WriteJournal", 1, Fault::ErrorBefore());
  auto deposited = f.sam().DepositInKeystore(sad);
  REQUIRE_FALSE(deposited.ok());
  CheckStorageFailure(deposited.status());
  // The deposit row was written before its record failed, and stays: a deposit grants nothing
  // by itself (the SAD is verified again when used), and the signature it activates leaves a
  // record of its own that names the SAD and says "via deposit".
  auto fresh = f.Fresh();
  auto found = fresh->replay().FindDepositedSads(key.info.id, Digest(HashAlg::kSha256, kDoc), 0);
  REQUIRE(found.ok());
  CHECK(found->size() == 1);
  CHECK(ReadAudit(*fresh).Of(audit_event::kSadDeposit).empty());
  Result<Bytes> signature = Prepare(f.sam(), key.info, "", kDoc)->Sign(f.sam());
  REQUIRE_MESSAGE(signature.ok(), signature.status().ToString());
  AuditState audit = ReadAudit(*f.Fresh());
  CHECK(audit.verifies);
  std::vector<AuditRecord> signs = audit.Of(audit_event::kSign, jti);
  REQUIRE(signs.size() == 1);
  CHECK(signs[0].event.outcome == audit_outcome::kOk);
  CHECK(signs[0].event.detail.rfind("via deposit; mechanism=", 0) == 0);
}

TEST_CASE("fault: a signature activated by a deposit whose record cannot be written is withheld") {
  FaultyToken f;
  UnwrappedKey key = f.Key("alice");
  const std::string sad = f.token().SadForData("alice", key.info, kDoc);
  const std::string jti = testing::JtiOf(sad);
  SUBCASE("a deposit in the keystore") { REQUIRE(f.sam().DepositInKeystore(sad).ok()); }
  SUBCASE("a deposit in the session") { REQUIRE(f.sam().DepositForSession(1, sad).ok()); }

  auto sign = Prepare(f.sam(), key.info, "", kDoc);
  f.plan().FailNth("journal.WriteJournal", 1, Fault::ErrorBefore());
  Result<Bytes> withheld = sign->Sign(f.sam());
  REQUIRE_FALSE(withheld.ok());
  CheckStorageFailure(withheld.status());
  auto fresh = f.Fresh();
  CHECK_FALSE(testing::Spent(*fresh, sad, kDoc));
  CHECK(Count(ReadAudit(*fresh).Of(audit_event::kSign, jti), audit_outcome::kOk) == 0);

  // The deposit still activates it, once: the hash was not spent.
  Result<Bytes> signature = Prepare(f.sam(), key.info, "", kDoc)->Sign(f.sam());
  REQUIRE_MESSAGE(signature.ok(), signature.status().ToString());
  CHECK(testing::VerifiesFor(key.info, kDoc, *signature));
  CHECK(Prepare(f.sam(), key.info, "", kDoc)->Sign(f.sam()).status().code() == Code::kNoActivation);
  AuditState audit = ReadAudit(*f.Fresh());
  CHECK(audit.verifies);
  CHECK(Count(audit.Of(audit_event::kSign, jti), audit_outcome::kOk) == 1);
}

}  // namespace
}  // namespace samp11
