// The SAM's decisions reach the audit log: logins, deposits, signatures, with refusal reasons;
// never a SAD or a PIN.
#include <doctest/doctest.h>

#include "common/process_id.h"
#include "crypto/digest.h"
#include "keystore/audit.h"
#include "keystore/audit_metrics.h"
#include "sam/sign_operation.h"
#include "tests/support/test_token.h"

namespace samp11 {
namespace {

using testing::TestToken;

const MechanismSpec kEcdsaSha256{MechanismKind::kEcdsaWithHash, HashAlg::kSha256, {}};

std::vector<AuditRecord> Records(Keystore& ks, const std::string& event) {
  AuditFilter filter;
  filter.event = event;
  auto records = ks.audit().List(filter, 0);
  REQUIRE(records.ok());
  return *records;
}

TEST_CASE("logins, deposits and signatures are recorded with their outcome and reason") {
  TestToken token;
  Sam sam(token.keystore(), SamPolicy{}, DefaultClock());
  UnwrappedKey key = token.GenerateKey("alice", KeyType::kEcP256);
  const Bytes doc = ToBytes("audited document");
  std::string sad = token.SadForData("alice", key.info, doc);

  CHECK_FALSE(sam.LoginUser("garbage").ok());
  REQUIRE(sam.LoginUser(sad).ok());
  auto op = SignOperation::Begin(sam, key.info.handle, kEcdsaSha256);
  REQUIRE(op.ok());
  REQUIRE((*op)->ContextLogin(sad).ok());
  REQUIRE((*op)->Update(doc.data(), doc.size()).ok());
  REQUIRE((*op)->Finish(nullptr).ok());
  auto again = SignOperation::Begin(sam, key.info.handle, kEcdsaSha256);
  REQUIRE(again.ok());
  REQUIRE((*again)->ContextLogin(sad).ok());
  REQUIRE((*again)->Update(doc.data(), doc.size()).ok());
  CHECK_FALSE((*again)->Finish(nullptr).ok());
  const Bytes doc2 = ToBytes("deposited");
  REQUIRE(sam.DepositInKeystore(token.SadForData("alice", key.info, doc2)).ok());

  std::vector<AuditRecord> user = Records(token.keystore(), audit_event::kLoginUser);
  REQUIRE(user.size() == 2);
  CHECK(user[0].event.outcome == audit_outcome::kRefused);
  CHECK(user[0].event.detail.find("three base64url parts") != std::string::npos);
  CHECK(user[1].event.outcome == audit_outcome::kOk);
  CHECK(user[1].event.signer == "alice");

  std::vector<AuditRecord> signs = Records(token.keystore(), audit_event::kSign);
  REQUIRE(signs.size() == 2);
  CHECK(signs[0].event.outcome == audit_outcome::kOk);
  CHECK(signs[0].event.key_id == key.info.id);
  // The record names the activation path, the mechanism, the hash signed, the time taken and
  // the program; a refusal the same, after its code and reason.
  CHECK(OwnExecutable().find("unit_sam") != std::string::npos);
  for (const AuditRecord& record : signs) {
    SignDetail facts = ParseSignDetail(record.event.detail);
    CHECK(facts.activation == "context-login");
    CHECK(facts.mechanism == "CKM_ECDSA_SHA256");
    CHECK(facts.hash == "sha256:" + HexEncode(Digest(HashAlg::kSha256, doc)));
    CHECK(facts.took_us.has_value());
    CHECK(facts.caller == OwnExecutable());
  }
  CHECK(signs[0].event.detail.rfind("via context-login; mechanism=CKM_ECDSA_SHA256 hash=", 0) == 0);
  CHECK(signs[1].event.outcome == audit_outcome::kRefused);
  CHECK(signs[1].event.detail.rfind("rejected: hash already spent for SAD jti=", 0) == 0);
  CHECK(Records(token.keystore(), audit_event::kLoginContext).size() == 2);
  CHECK(Records(token.keystore(), audit_event::kSadDeposit).size() == 1);

  // Nothing recorded quotes a SAD.
  AuditFilter all;
  auto records = token.keystore().audit().List(all, 0);
  REQUIRE(records.ok());
  for (const AuditRecord& r : *records) {
    CHECK(r.event.detail.find("eyJ") == std::string::npos);
  }
  auto report = token.keystore().audit().Verify();
  REQUIRE(report.ok());
  CHECK(report->ok());
}

TEST_CASE("PIN logins are recorded by signer name only") {
  TestToken token;
  Sam sam(token.keystore(), SamPolicy{}, DefaultClock());
  REQUIRE(token.keystore().pins().SetSignerPin("alice", "4711-secret").ok());
  CHECK_FALSE(sam.PinLogin("alice:wrong-pin").ok());
  CHECK(sam.PinLogin("alice:4711-secret").ok());
  std::vector<AuditRecord> pins = Records(token.keystore(), audit_event::kLoginPin);
  REQUIRE(pins.size() == 2);
  CHECK(pins[0].event.outcome == audit_outcome::kRefused);
  CHECK(pins[0].event.signer == "alice");
  CHECK(pins[1].event.outcome == audit_outcome::kOk);
  AuditFilter all;
  auto records = token.keystore().audit().List(all, 0);
  REQUIRE(records.ok());
  for (const AuditRecord& r : *records) {
    CHECK(r.event.detail.find("wrong-pin") == std::string::npos);
    CHECK(r.event.detail.find("4711") == std::string::npos);
  }
  CHECK(Records(token.keystore(), audit_event::kSignerSetPin).size() == 1);
}

}  // namespace
}  // namespace samp11
