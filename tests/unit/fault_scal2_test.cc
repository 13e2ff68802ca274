// SCAL2 signatures whose state fails while they are made: the record of a one-hash SAD's
// signature (its spend and its "sign" record, one write), and a batch SAD's claim. A signature
// leaves the module only once its record is durable; a spend whose acknowledgement is lost stays
// spent (the safe side), and nothing is ever signed twice.
#include <doctest/doctest.h>

#include "crypto/digest.h"
#include "tests/unit/fault_test_util.h"

namespace samp11 {
namespace {

using testing::AuditState;
using testing::CheckStorageFailure;
using testing::Fault;
using testing::FaultyToken;
using testing::Prepare;
using testing::ReadAudit;
using testing::RvName;
using testing::SadSpec;
using testing::SignOnce;
using testing::Spent;

const Bytes kDoc = ToBytes("contract 42");

size_t SignedOk(const AuditState& audit, const std::string& jti) {
  size_t ok = 0;
  for (const AuditRecord& record : audit.Of(audit_event::kSign, jti)) {
    ok += record.event.outcome == audit_outcome::kOk ? 1 : 0;
  }
  return ok;
}

TEST_CASE("fault: a one-hash SAD's signature whose record cannot be written is withheld, unspent") {
  FaultyToken f;
  UnwrappedKey key = f.Key("alice");
  const std::string sad = f.token().SadForData("alice", key.info, kDoc);
  const std::string jti = testing::JtiOf(sad);
  auto sign = Prepare(f.sam(), key.info, sad, kDoc);

  f.plan().ClearCalls();
  f.plan().FailNth("journal.WriteJournal", 1, Fault::ErrorBefore());
  Result<Bytes> withheld = sign->Sign(f.sam());
  REQUIRE_FALSE(withheld.ok());  // no signature bytes leave
  CheckStorageFailure(withheld.status());
  CHECK(sign->activation.state() == Activation::State::kSadAccepted);  // not spent
  // The one write that carried the spend was failed before the store saw it.
  std::vector<testing::SeenCall> spends;
  for (const testing::SeenCall& call : f.plan().Calls()) {
    if (call.spends > 0) spends.push_back(call);
  }
  REQUIRE(spends.size() == 1);
  CHECK(spends[0].method == "journal.WriteJournal");
  CHECK(spends[0].failed);
  CHECK_FALSE(spends[0].reached_inner);

  auto fresh = f.Fresh();
  CHECK_FALSE(Spent(*fresh, sad, kDoc));
  AuditState audit = ReadAudit(*fresh);
  CHECK(audit.verifies);
  std::vector<AuditRecord> signs = audit.Of(audit_event::kSign, jti);
  REQUIRE(signs.size() == 1);  // the withholding, said as an error
  CHECK(signs[0].event.outcome == audit_outcome::kError);
  CHECK(signs[0].event.detail.find("withheld") != std::string::npos);

  SUBCASE("the same SAD signs once the store works, in this process") {
    Result<Bytes> signature = sign->Sign(f.sam());
    REQUIRE_MESSAGE(signature.ok(), signature.status().ToString());
    CHECK(testing::VerifiesFor(key.info, kDoc, *signature));
  }
  SUBCASE("the same SAD signs in a fresh process") {
    Sam sam(*fresh, SamPolicy{}, DefaultClock());
    Result<Bytes> signature = SignOnce(sam, key.info, sad, kDoc);
    REQUIRE_MESSAGE(signature.ok(), signature.status().ToString());
    CHECK(testing::VerifiesFor(key.info, kDoc, *signature));
  }
  CHECK(SignOnce(f.sam(), key.info, sad, kDoc).status().code() == Code::kRejected);
  AuditState after = ReadAudit(*f.Fresh());
  CHECK(after.verifies);
  CHECK(SignedOk(after, jti) == 1);
}

TEST_CASE("fault: a spend whose acknowledgement is lost stays spent and its signature withheld") {
  FaultyToken f;
  UnwrappedKey key = f.Key("alice");
  const std::string sad = f.token().SadForData("alice", key.info, kDoc);
  const std::string jti = testing::JtiOf(sad);
  auto sign = Prepare(f.sam(), key.info, sad, kDoc);

  f.plan().FailNth("journal.WriteJournal", 1, Fault::ErrorAfter());
  Result<Bytes> withheld = sign->Sign(f.sam());
  REQUIRE_FALSE(withheld.ok());
  CheckStorageFailure(withheld.status());
  CHECK(f.plan().SpendsAttempted() == 1);

  auto fresh = f.Fresh();
  CHECK(Spent(*fresh, sad, kDoc));  // the write happened: the hash is spent for good
  AuditState audit = ReadAudit(*fresh);
  CHECK(audit.verifies);
  // The log says what happened: the signature's record was written, and then withheld.
  std::vector<AuditRecord> signs = audit.Of(audit_event::kSign, jti);
  REQUIRE(signs.size() == 2);
  CHECK(signs[0].event.outcome == audit_outcome::kOk);
  CHECK(signs[1].event.outcome == audit_outcome::kError);
  CHECK(signs[1].event.detail.find("withheld") != std::string::npos);

  // Neither released later nor spent twice: the retry is refused before anything is signed.
  f.plan().ClearCalls();
  Result<Bytes> retry = sign->Sign(f.sam());
  CHECK(retry.status().code() == Code::kRejected);
  CHECK(RvName(retry.status()) == "CKR_FUNCTION_REJECTED");
  CHECK(f.plan().SpendsAttempted() == 0);
  Sam other(*fresh, SamPolicy{}, DefaultClock());
  CHECK(SignOnce(other, key.info, sad, kDoc).status().code() == Code::kRejected);
  AuditState after = ReadAudit(*f.Fresh());
  CHECK(after.verifies);
  CHECK(SignedOk(after, jti) == 1);  // the withheld one; no signature ever left
}

std::vector<Bytes> Docs(int n) {
  std::vector<Bytes> docs;
  for (int i = 0; i < n; ++i) docs.push_back(ToBytes("batch document " + std::to_string(i)));
  return docs;
}

std::string BatchSad(FaultyToken& f, const KeyInfo& key, const std::vector<Bytes>& docs) {
  SadSpec spec;
  for (const Bytes& d : docs) spec.hashes.push_back(Digest(HashAlg::kSha256, d));
  return f.token().Sad("alice", key, spec);
}

TEST_CASE("fault: a batch SAD whose claim is not written is withheld; the batch stays whole") {
  FaultyToken f;
  UnwrappedKey key = f.Key("alice");
  const std::vector<Bytes> docs = Docs(3);
  const std::string sad = BatchSad(f, key.info, docs);
  const std::string jti = testing::JtiOf(sad);

  f.plan().FailNth("journal.ClaimSpentHashes", 1, Fault::ErrorBefore());
  Result<Bytes> withheld = SignOnce(f.sam(), key.info, sad, docs[0]);
  REQUIRE_FALSE(withheld.ok());
  CheckStorageFailure(withheld.status());
  {
    auto fresh = f.Fresh();
    for (const Bytes& doc : docs) CHECK_FALSE(Spent(*fresh, sad, doc));
    AuditState audit = ReadAudit(*fresh);
    CHECK(audit.verifies);
    CHECK(audit.Of(audit_event::kSadClaim, jti).empty());
    CHECK(SignedOk(audit, jti) == 0);
  }

  SUBCASE("this process claims it at its next signature and signs each hash once") {
    for (const Bytes& doc : docs) CHECK(SignOnce(f.sam(), key.info, sad, doc).ok());
    CHECK(SignOnce(f.sam(), key.info, sad, docs[0]).status().code() == Code::kRejected);
  }
  SUBCASE("a fresh process claims it instead and signs each hash once") {
    auto fresh = f.Fresh();
    Sam sam(*fresh, SamPolicy{}, DefaultClock());
    for (const Bytes& doc : docs) CHECK(SignOnce(sam, key.info, sad, doc).ok());
    CHECK(SignOnce(f.sam(), key.info, sad, docs[1]).status().code() == Code::kRejected);
  }
  AuditState after = ReadAudit(*f.Fresh());
  CHECK(after.verifies);
  CHECK(SignedOk(after, jti) == docs.size());
}

TEST_CASE("fault: a batch claim whose acknowledgement is lost: withheld, and the batch is lost") {
  FaultyToken f;
  UnwrappedKey key = f.Key("alice");
  const std::vector<Bytes> docs = Docs(3);
  const std::string sad = BatchSad(f, key.info, docs);
  const std::string jti = testing::JtiOf(sad);

  f.plan().FailNth("journal.ClaimSpentHashes", 1, Fault::ErrorAfter());
  Result<Bytes> withheld = SignOnce(f.sam(), key.info, sad, docs[0]);
  REQUIRE_FALSE(withheld.ok());
  CheckStorageFailure(withheld.status());
  auto fresh = f.Fresh();
  for (const Bytes& doc : docs) CHECK(Spent(*fresh, sad, doc));  // claimed, by nobody alive
  {
    AuditState audit = ReadAudit(*fresh);
    CHECK(audit.verifies);
    std::vector<AuditRecord> claims = audit.Of(audit_event::kSadClaim, jti);
    REQUIRE(claims.size() == 1);
    CHECK(claims[0].event.detail == "3 of 3 hashes claimed by this process");
  }

  // Its hashes are spent and this process does not know it holds them: every later signature
  // under the SAD is refused (the signer issues a new one), in this process and in any other.
  SUBCASE("in this process") {
    for (const Bytes& doc : docs) {
      Result<Bytes> later = SignOnce(f.sam(), key.info, sad, doc);
      CHECK(later.status().code() == Code::kRejected);
      CHECK(RvName(later.status()) == "CKR_FUNCTION_REJECTED");
    }
  }
  SUBCASE("in a fresh process") {
    Sam sam(*fresh, SamPolicy{}, DefaultClock());
    for (const Bytes& doc : docs) {
      CHECK(SignOnce(sam, key.info, sad, doc).status().code() == Code::kRejected);
    }
  }
  AuditState after = ReadAudit(*f.Fresh());
  CHECK(after.verifies);
  CHECK(SignedOk(after, jti) == 0);
}

TEST_CASE("fault: a claimed batch hash whose record cannot be written is withheld and lost") {
  FaultyToken f;
  UnwrappedKey key = f.Key("alice");
  const std::vector<Bytes> docs = Docs(3);
  const std::string sad = BatchSad(f, key.info, docs);
  const std::string jti = testing::JtiOf(sad);
  REQUIRE(SignOnce(f.sam(), key.info, sad, docs[0]).ok());  // the claim, and one signature

  for (Fault fault : {Fault::ErrorBefore(), Fault::ErrorAfter()}) {
    CAPTURE(fault.when == Fault::When::kAfter);
    const Bytes& doc = fault.when == Fault::When::kBefore ? docs[1] : docs[2];
    auto sign = Prepare(f.sam(), key.info, sad, doc);
    f.plan().FailNth("journal.WriteJournal", 1, fault);
    Result<Bytes> withheld = sign->Sign(f.sam());
    REQUIRE_FALSE(withheld.ok());
    CHECK(withheld.status().code() == Code::kStorage);
    // The hash was taken for this signature and is not given back: never signed twice, even
    // when the lost write was in fact made.
    CHECK(sign->Sign(f.sam()).status().code() == Code::kRejected);
  }
  auto fresh = f.Fresh();
  Sam sam(*fresh, SamPolicy{}, DefaultClock());
  for (const Bytes& doc : docs) {
    CHECK(SignOnce(sam, key.info, sad, doc).status().code() == Code::kRejected);
  }
  AuditState audit = ReadAudit(*fresh);
  CHECK(audit.verifies);
  // docs[0], and docs[2] whose record was written but whose signature was withheld.
  CHECK(SignedOk(audit, jti) == 2);
}

}  // namespace
}  // namespace samp11
