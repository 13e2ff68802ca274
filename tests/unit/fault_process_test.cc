// A signing process that dies at the worst instants: right before its signature's record (the
// spend and its "sign" record) is written, and right after it is written but before the
// signature leaves. A forked child signs through a FailingStateStore that _exits there; the
// parent, as a fresh process, then opens the token, verifies the audit log and tries the hash.
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include "tests/unit/fault_test_util.h"

namespace samp11 {
namespace {

using testing::AuditState;
using testing::Fault;
using testing::FaultPlan;
using testing::ReadAudit;
using testing::SignOnce;
using testing::TestToken;

constexpr int kDied = 77;         // the store ended the child where it was told to
constexpr int kSetupFailed = 3;   // the child could not get as far as the signature
constexpr int kSignReturned = 4;  // Sam::Sign returned: the store never reached its cue

const Bytes kDoc = ToBytes("will and testament");

// The child's whole life: no doctest macro here (they would report into the child's copy of the
// test run); every way out is an exit code.
[[noreturn]] void SignAndDie(const TokenConfig& config, const KeyInfo& key, const std::string& sad,
                             Fault fault) {
  auto plan = std::make_shared<FaultPlan>();
  auto keystore = testing::OpenFailingKeystore(config, plan);
  if (!keystore.ok()) ::_exit(kSetupFailed);
  Sam sam(**keystore, SamPolicy{}, DefaultClock());
  auto verified = sam.VerifySad(sad);
  auto mechanism = SignMechanism::Create(testing::kEcdsaSha256, key.type);
  if (!verified.ok() || !mechanism.ok()) ::_exit(kSetupFailed);
  if (!(*mechanism)->Update(kDoc.data(), kDoc.size()).ok() || !(*mechanism)->Finish().ok()) {
    ::_exit(kSetupFailed);
  }
  Activation activation;
  activation.Accept(std::move(verified).value(), ActivationSource::kContextLogin);
  // The first journal write of Sam::Sign is the signature's record.
  plan->FailNth("journal.WriteJournal", 1, fault);
  (void)sam.Sign(key.handle, **mechanism, activation);
  ::_exit(kSignReturned);
}

// Runs SignAndDie in a child and returns how it ended.
int ChildSigns(const TestToken& token, const KeyInfo& key, const std::string& sad, Fault fault) {
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) SignAndDie(token.config(), key, sad, fault);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

size_t SignedOk(const AuditState& audit, const std::string& jti) {
  size_t ok = 0;
  for (const AuditRecord& record : audit.Of(audit_event::kSign, jti)) {
    ok += record.event.outcome == audit_outcome::kOk ? 1 : 0;
  }
  return ok;
}

TEST_CASE("fault: a signer killed right before its record is written: the hash signs afterwards") {
  TestToken token;
  UnwrappedKey key = token.GenerateKey("alice", KeyType::kEcP256);
  const std::string sad = token.SadForData("alice", key.info, kDoc);
  const std::string jti = testing::JtiOf(sad);
  REQUIRE(ChildSigns(token, key.info, sad, Fault::CrashBefore(kDied)) == kDied);

  auto fresh = OpenTokenKeystore(token.config());
  REQUIRE_MESSAGE(fresh.ok(), fresh.status().ToString());
  AuditState audit = ReadAudit(**fresh);
  CHECK(audit.verifies);
  CHECK(audit.Of(audit_event::kSign, jti).empty());  // the child left no trace of it
  CHECK_FALSE(testing::Spent(**fresh, sad, kDoc));
  Sam sam(**fresh, SamPolicy{}, DefaultClock());
  Result<Bytes> signature = SignOnce(sam, key.info, sad, kDoc);
  REQUIRE_MESSAGE(signature.ok(), signature.status().ToString());
  CHECK(testing::VerifiesFor(key.info, kDoc, *signature));
  CHECK(SignOnce(sam, key.info, sad, kDoc).status().code() == Code::kRejected);
  CHECK(SignedOk(ReadAudit(**fresh), jti) == 1);
}

TEST_CASE("fault: a signer killed right after its record is written: the hash stays spent") {
  TestToken token;
  UnwrappedKey key = token.GenerateKey("alice", KeyType::kEcP256);
  const std::string sad = token.SadForData("alice", key.info, kDoc);
  const std::string jti = testing::JtiOf(sad);
  REQUIRE(ChildSigns(token, key.info, sad, Fault::CrashAfter(kDied)) == kDied);

  auto fresh = OpenTokenKeystore(token.config());
  REQUIRE_MESSAGE(fresh.ok(), fresh.status().ToString());
  AuditState audit = ReadAudit(**fresh);
  CHECK(audit.verifies);
  // The record the child wrote says it signed; the signature died with it, and the hash is
  // spent: the signer issues a new SAD. Never two signatures of one hash.
  CHECK(SignedOk(audit, jti) == 1);
  CHECK(testing::Spent(**fresh, sad, kDoc));
  Sam sam(**fresh, SamPolicy{}, DefaultClock());
  Result<Bytes> refused = SignOnce(sam, key.info, sad, kDoc);
  CHECK(refused.status().code() == Code::kRejected);
  CHECK(testing::RvName(refused.status()) == "CKR_FUNCTION_REJECTED");
  AuditState after = ReadAudit(**fresh);
  CHECK(after.verifies);
  CHECK(SignedOk(after, jti) == 1);
}

}  // namespace
}  // namespace samp11
