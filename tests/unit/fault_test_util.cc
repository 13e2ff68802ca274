#include "tests/unit/fault_test_util.h"

#include "crypto/digest.h"
#include "crypto/signature.h"
#include "cryptoki/rv_names.h"
#include "pkcs11/rv_map.h"
#include "tests/support/softhsm_session.h"

namespace samp11::testing {

Result<std::unique_ptr<Keystore>> OpenFailingKeystore(const TokenConfig& config,
                                                      std::shared_ptr<FaultPlan> plan) {
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> inner,
                          KeystoreLocation(config.keystore)->Open());
  auto failing = std::make_unique<FailingStateStore>(std::move(inner), std::move(plan));
  return OpenTokenKeystoreOn(std::move(failing), config);
}

FaultyToken::FaultyToken(SamPolicy policy) : plan_(std::make_shared<FaultPlan>()) {
  auto keystore = OpenFailingKeystore(token_.config(), plan_);
  REQUIRE_MESSAGE(keystore.ok(), keystore.status().ToString());
  keystore_ = std::move(keystore).value();
  sam_ = std::make_unique<Sam>(*keystore_, policy, DefaultClock());
  plan_->ClearCalls();  // the opening's reads are not what a test asks about
}

UnwrappedKey FaultyToken::Key(const std::string& signer) {
  return token_.GenerateKey(signer, KeyType::kEcP256);
}

std::unique_ptr<Keystore> FaultyToken::Fresh() {
  auto keystore = OpenTokenKeystore(token_.config());
  REQUIRE_MESSAGE(keystore.ok(), keystore.status().ToString());
  return std::move(keystore).value();
}

std::unique_ptr<StateStore> FaultyToken::Rows() {
  auto store = KeystoreLocation(token_.config().keystore)->Open();
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  return std::move(store).value();
}

std::unique_ptr<PreparedSign> Prepare(Sam& sam, const KeyInfo& key, const std::string& sad,
                                      const Bytes& data, ActivationSource source) {
  auto prepared = std::make_unique<PreparedSign>();
  prepared->key_handle = key.handle;
  auto mechanism = SignMechanism::Create(kEcdsaSha256, key.type);
  REQUIRE_MESSAGE(mechanism.ok(), mechanism.status().ToString());
  prepared->mechanism = std::move(mechanism).value();
  REQUIRE(prepared->mechanism->Update(data.data(), data.size()).ok());
  REQUIRE(prepared->mechanism->Finish().ok());
  if (!sad.empty()) {
    auto verified = sam.VerifySad(sad);
    REQUIRE_MESSAGE(verified.ok(), verified.status().ToString());
    prepared->activation.Accept(std::move(verified).value(), source);
  }
  return prepared;
}

Result<Bytes> SignOnce(Sam& sam, const KeyInfo& key, const std::string& sad, const Bytes& data) {
  return Prepare(sam, key, sad, data)->Sign(sam);
}

bool VerifiesFor(const KeyInfo& key, const Bytes& data, const Bytes& signature) {
  return EcdsaVerifyHash(PublicKeyOf(key).get(), Digest(HashAlg::kSha256, data), signature).ok();
}

std::vector<AuditRecord> AuditState::Of(const std::string& event, const std::string& jti) const {
  std::vector<AuditRecord> found;
  for (const AuditRecord& record : records) {
    if (record.event.event == event && (jti.empty() || record.event.jti == jti)) {
      found.push_back(record);
    }
  }
  return found;
}

AuditState ReadAudit(Keystore& keystore) {
  AuditState state;
  auto report = keystore.audit().Verify();
  REQUIRE_MESSAGE(report.ok(), report.status().ToString());
  for (const AuditProblem& problem : report->problems) MESSAGE("audit: " << problem.what);
  state.verifies = report->ok();
  auto records = keystore.audit().List(AuditFilter{}, 0);
  REQUIRE_MESSAGE(records.ok(), records.status().ToString());
  state.records = std::move(records).value();
  return state;
}

std::string JtiOf(const std::string& sad) {
  auto parsed = ParseSad(sad);
  REQUIRE(parsed.ok());
  return parsed->claims.jti;
}

bool Spent(Keystore& keystore, const std::string& sad, const Bytes& data) {
  auto parsed = ParseSad(sad);
  REQUIRE(parsed.ok());
  auto spent = keystore.replay().IsHashSpent(parsed->kid, parsed->claims.jti,
                                             Digest(HashAlg::kSha256, data));
  REQUIRE_MESSAGE(spent.ok(), spent.status().ToString());
  return *spent;
}

std::string RvName(const Status& status) { return CkrName(p11::CodeToRv(status.code())); }

void CheckStorageFailure(const Status& status) {
  CHECK_MESSAGE(status.code() == Code::kStorage, status.ToString());
  CHECK(RvName(status) == "CKR_DEVICE_ERROR");
}

size_t Count(const std::vector<AuditRecord>& records, const char* outcome) {
  size_t n = 0;
  for (const AuditRecord& record : records) n += record.event.outcome == outcome ? 1 : 0;
  return n;
}

size_t InnerObjectsWithId(const Bytes& id) {
  InnerSession session;
  return session.Find(CKO_PRIVATE_KEY, id).size() + session.Find(CKO_PUBLIC_KEY, id).size();
}

}  // namespace samp11::testing
