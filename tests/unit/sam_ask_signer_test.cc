// The pull path: a SCAL2 signature with no SAD asks the token's SAD provider (the signer's
// device) and waits. What comes back is verified like any SAD and must bind this key and hash;
// refusals, timeouts and cancels spend nothing and are audited. The exec provider runs real
// commands; the deposit provider waits on a real keystore shared with an "approval service".
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <fstream>
#include <thread>

#include "keystore/audit.h"
#include "keystore/audit_metrics.h"
#include "sam/sign_operation.h"
#include "tests/support/test_token.h"

namespace samp11 {
namespace {

using testing::SadSpec;
using testing::TestToken;

const MechanismSpec kEcdsaSha256{MechanismKind::kEcdsaWithHash, HashAlg::kSha256, {}};
const Bytes kDoc = ToBytes("pulled contract");

// A device the test scripts: it sees the request and answers with whatever the test says.
class ScriptedProvider : public SadProvider {
 public:
  std::function<Result<std::string>(const ActivationRequest&)> answer;
  std::vector<ActivationRequest> seen;

  const char* name() const override { return "scripted"; }
  int64_t timeout_seconds() const override { return 5; }
  Result<std::shared_ptr<const VerifiedSad>> Ask(const ActivationRequest& request, int64_t,
                                                 CancelSignal*,
                                                 const SadAcceptor& accept) override {
    seen.push_back(request);
    SAMP11_ASSIGN_OR_RETURN(std::string sad, answer(request));
    Result<std::shared_ptr<const VerifiedSad>> accepted = accept(sad);
    if (!accepted.ok()) return Status(Code::kRejected, accepted.status().message());
    return accepted;
  }
};

struct Fixture {
  TestToken token;
  ScriptedProvider* device = nullptr;
  std::unique_ptr<Sam> sam;
  UnwrappedKey key = token.GenerateKey("alice", KeyType::kEcP256);

  Fixture() {
    auto provider = std::make_unique<ScriptedProvider>();
    device = provider.get();
    sam = std::make_unique<Sam>(token.keystore(), SamPolicy{}, DefaultClock(), std::move(provider));
  }

  Result<Bytes> SignWithoutSad(const Bytes& data, SignOperation** kept = nullptr) {
    SAMP11_ASSIGN_OR_RETURN(auto op, SignOperation::Begin(*sam, key.info.handle, kEcdsaSha256));
    SAMP11_RETURN_IF_ERROR(op->Update(data.data(), data.size()));
    Result<Bytes> signature = op->Finish(nullptr);
    if (kept != nullptr) *kept = op.release();
    return signature;
  }
  // The SAD a well-behaved device makes for a request.
  std::string SadFor(const ActivationRequest& r) {
    SadSpec spec;
    spec.alg = r.hash_alg;
    spec.hashes = {r.hash};
    return token.Sad("alice", key.info, spec);
  }
  std::vector<AuditRecord> Records(const std::string& event) {
    AuditFilter filter;
    filter.event = event;
    auto records = token.keystore().audit().List(filter, 0);
    REQUIRE(records.ok());
    return *records;
  }
};

TEST_CASE("ask the signer: the device's SAD for this hash activates one signature") {
  Fixture f;
  f.device->answer = [&](const ActivationRequest& r) -> Result<std::string> { return f.SadFor(r); };
  SignOperation* op = nullptr;
  auto signature = f.SignWithoutSad(kDoc, &op);
  std::unique_ptr<SignOperation> owned(op);
  REQUIRE_MESSAGE(signature.ok(), signature.status().ToString());
  CHECK(owned->activation().source() == ActivationSource::kSignerRequest);
  REQUIRE(f.device->seen.size() == 1);
  const ActivationRequest& r = f.device->seen[0];
  CHECK(r.signer == "alice");
  CHECK(r.key_id == HexEncode(f.key.info.id));
  CHECK(r.token_identity == f.token.keystore().identity());
  CHECK(r.mechanism == "CKM_ECDSA_SHA256");
  CHECK(r.hash == Digest(HashAlg::kSha256, kDoc));
  CHECK(r.request_id.size() == 32);
  CHECK(r.caller_executable.find("unit_sam") != std::string::npos);
  CHECK(f.Records(audit_event::kSadRequest).size() == 1);
  auto answers = f.Records(audit_event::kSadAnswer);
  REQUIRE(answers.size() == 1);
  CHECK(answers[0].event.outcome == audit_outcome::kOk);
  auto signs = f.Records(audit_event::kSign);
  REQUIRE(signs.size() == 1);
  SignDetail facts = ParseSignDetail(signs[0].event.detail);
  CHECK(facts.activation == "signer-request");
  CHECK(facts.mechanism == "CKM_ECDSA_SHA256");
  CHECK(facts.hash == "sha256:" + HexEncode(Digest(HashAlg::kSha256, kDoc)));
  CHECK(facts.caller.find("unit_sam") != std::string::npos);
  // The same document again is a new request: each signature needs its own approval.
  CHECK(f.SignWithoutSad(kDoc).ok());
  CHECK(f.device->seen.size() == 2);
}

TEST_CASE("ask the signer: answers that do not fit this signature are refused, nothing spent") {
  Fixture f;
  // A SAD for another document.
  f.device->answer = [&](const ActivationRequest&) -> Result<std::string> {
    return f.token.SadForData("alice", f.key.info, ToBytes("another document"));
  };
  auto wrong_hash = f.SignWithoutSad(kDoc);
  CHECK(wrong_hash.status().code() == Code::kRejected);
  CHECK(wrong_hash.status().message().find("does not bind") != std::string::npos);
  // A SAD for another key of the same signer.
  UnwrappedKey other = f.token.GenerateKey("alice", KeyType::kEcP256);
  f.device->answer = [&](const ActivationRequest& r) -> Result<std::string> {
    SadSpec spec;
    spec.hashes = {r.hash};
    return f.token.Sad("alice", other.info, spec);
  };
  CHECK(f.SignWithoutSad(kDoc).status().code() == Code::kRejected);
  // Bob's device answering for Alice's key.
  f.device->answer = [&](const ActivationRequest& r) -> Result<std::string> {
    SadSpec spec;
    spec.hashes = {r.hash};
    spec.credential_id = HexEncode(f.key.info.id);
    return f.token.Sad("bob", f.key.info, spec);
  };
  CHECK(f.SignWithoutSad(kDoc).status().code() == Code::kRejected);
  // Not a SAD at all; an expired one.
  f.device->answer = [](const ActivationRequest&) -> Result<std::string> {
    return std::string("garbage");
  };
  CHECK(f.SignWithoutSad(kDoc).status().code() == Code::kRejected);
  f.device->answer = [&](const ActivationRequest& r) -> Result<std::string> {
    SadSpec spec;
    spec.hashes = {r.hash};
    spec.iat_offset = -1000;
    return f.token.Sad("alice", f.key.info, spec);
  };
  CHECK(f.SignWithoutSad(kDoc).status().code() == Code::kRejected);
  // The signer refuses; the device cannot be reached; no answer in time.
  for (Code code : {Code::kRejected, Code::kDevice, Code::kTimedOut, Code::kCancelled}) {
    f.device->answer = [code](const ActivationRequest&) -> Result<std::string> {
      return Status(code, "as the device says");
    };
    CHECK(f.SignWithoutSad(kDoc).status().code() == code);
  }
  CHECK(f.Records(audit_event::kSign).size() == 9);
  for (const AuditRecord& sign : f.Records(audit_event::kSign)) {
    CHECK(sign.event.outcome != audit_outcome::kOk);
  }
  auto answers = f.Records(audit_event::kSadAnswer);
  REQUIRE(answers.size() == 9);
  CHECK(answers[6].event.outcome == audit_outcome::kError);  // unreachable: a fault
  // After all that, a good answer still signs: nothing was spent.
  f.device->answer = [&](const ActivationRequest& r) -> Result<std::string> { return f.SadFor(r); };
  CHECK(f.SignWithoutSad(kDoc).ok());
}

TEST_CASE("ask the signer: a deposit or a SAD from the call means the device is not asked") {
  Fixture f;
  f.device->answer = [&](const ActivationRequest& r) -> Result<std::string> { return f.SadFor(r); };
  REQUIRE(f.sam->DepositInKeystore(f.token.SadForData("alice", f.key.info, kDoc)).ok());
  CHECK(f.SignWithoutSad(kDoc).ok());
  auto op = SignOperation::Begin(*f.sam, f.key.info.handle, kEcdsaSha256);
  REQUIRE(op.ok());
  REQUIRE((*op)->ContextLogin(f.token.SadForData("alice", f.key.info, kDoc)).ok());
  REQUIRE((*op)->Update(kDoc.data(), kDoc.size()).ok());
  CHECK((*op)->Finish(nullptr).ok());
  CHECK(f.device->seen.empty());
}

TEST_CASE("ask the signer: a key disabled while the signer decided does not sign") {
  Fixture f;
  f.device->answer = [&](const ActivationRequest& r) -> Result<std::string> {
    REQUIRE(f.token.keystore().keys().DisableKey(f.key.info.id, "meanwhile").ok());
    return f.SadFor(r);
  };
  CHECK(f.SignWithoutSad(kDoc).status().code() == Code::kRejected);
}

TEST_CASE("ask the signer: no provider, no request") {
  TestToken token;
  Sam sam(token.keystore(), SamPolicy{}, DefaultClock());
  UnwrappedKey key = token.GenerateKey("alice", KeyType::kEcP256);
  auto op = SignOperation::Begin(sam, key.info.handle, kEcdsaSha256);
  REQUIRE(op.ok());
  REQUIRE((*op)->Update(kDoc.data(), kDoc.size()).ok());
  CHECK((*op)->Finish(nullptr).status().code() == Code::kNoActivation);
}

// A real device command: a shell script that answers what the test put in a file.
struct ExecFixture {
  TestToken token;
  UnwrappedKey key = token.GenerateKey("alice", KeyType::kEcP256);
  std::string script = token.dir() + "/device.sh";
  std::unique_ptr<Sam> sam;

  explicit ExecFixture(const std::string& body, int64_t timeout = 5) {
    std::ofstream(script) << "#!/bin/sh\n" << body << "\n";
    chmod(script.c_str(), 0700);
    SadProviderConfig config;
    config.type = sad_provider::kExec;
    config.command = {script};
    config.timeout_seconds = timeout;
    auto provider = MakeSadProvider(config, token.keystore(), DefaultClock());
    REQUIRE(provider.ok());
    sam = std::make_unique<Sam>(token.keystore(), SamPolicy{}, DefaultClock(),
                                std::move(provider).value());
  }
  Result<Bytes> Sign(std::shared_ptr<CancelSignal> cancel = nullptr) {
    SAMP11_ASSIGN_OR_RETURN(auto op,
                            SignOperation::Begin(*sam, key.info.handle, kEcdsaSha256, cancel));
    SAMP11_RETURN_IF_ERROR(op->Update(kDoc.data(), kDoc.size()));
    return op->Finish(nullptr);
  }
};

TEST_CASE("exec provider: the command's exit code says what the signer did") {
  {
    ExecFixture f("cat > \"$0.request\"; echo 'not today'; exit 1");
    auto refused = f.Sign();
    CHECK(refused.status().code() == Code::kRejected);
    CHECK(refused.status().message().find("not today") != std::string::npos);
    std::ifstream request(f.script + ".request");
    std::string json((std::istreambuf_iterator<char>(request)), std::istreambuf_iterator<char>());
    auto parsed = ParseActivationRequest(json);
    REQUIRE_MESSAGE(parsed.ok(), parsed.status().ToString());
    CHECK(parsed->key_id == HexEncode(f.key.info.id));
  }
  CHECK(ExecFixture("exit 2").Sign().status().code() == Code::kTimedOut);
  CHECK(ExecFixture("exit 9").Sign().status().code() == Code::kDevice);
  CHECK(ExecFixture("exit 0").Sign().status().code() == Code::kDevice);  // approved, no SAD
  CHECK(ExecFixture("echo not-a-sad").Sign().status().code() == Code::kRejected);
  CHECK(ExecFixture("kill -9 $$").Sign().status().code() == Code::kDevice);
}

TEST_CASE("exec provider: a device that never answers times out; a cancel ends the wait") {
  ExecFixture slow("sleep 30", 1);
  auto start = std::chrono::steady_clock::now();
  CHECK(slow.Sign().status().code() == Code::kTimedOut);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));

  ExecFixture waiting("sleep 30", 60);
  auto cancel = std::make_shared<CancelSignal>();
  std::thread closer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cancel->Cancel(Status(Code::kSessionClosed, "the session was closed"));
  });
  start = std::chrono::steady_clock::now();
  CHECK(waiting.Sign(cancel).status().code() == Code::kSessionClosed);
  closer.join();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

// A SAM whose SAD provider is the deposit provider, with the given timeout.
struct DepositFixture {
  TestToken token;
  UnwrappedKey key = token.GenerateKey("alice", KeyType::kEcP256);
  std::unique_ptr<Sam> sam;

  explicit DepositFixture(int64_t timeout) {
    SadProviderConfig config;
    config.type = sad_provider::kDeposit;
    config.timeout_seconds = timeout;
    config.poll_milliseconds = 20;
    auto provider = MakeSadProvider(config, token.keystore(), DefaultClock());
    REQUIRE(provider.ok());
    sam = std::make_unique<Sam>(token.keystore(), SamPolicy{}, DefaultClock(),
                                std::move(provider).value());
  }
  Result<Bytes> Sign() {
    SAMP11_ASSIGN_OR_RETURN(auto op, SignOperation::Begin(*sam, key.info.handle, kEcdsaSha256));
    SAMP11_RETURN_IF_ERROR(op->Update(kDoc.data(), kDoc.size()));
    return op->Finish(nullptr);
  }
};

TEST_CASE("deposit provider: an approval service answers with a deposit, or refuses") {
  DepositFixture f(10);
  TestToken& token = f.token;
  UnwrappedKey& key = f.key;
  Sam& sam = *f.sam;
  auto sign = [&] { return f.Sign(); };
  // The approval service: another connection to the keystore, as another process has.
  auto service = [&](bool approve) {
    auto keystore = OpenTokenKeystore(token.config());
    REQUIRE(keystore.ok());
    Sam other(**keystore, SamPolicy{}, DefaultClock());
    for (int i = 0; i < 500; ++i) {
      auto pending = (*keystore)->requests().ListPending(other.Now());
      REQUIRE(pending.ok());
      if (!pending->empty()) {
        auto request = ParseActivationRequest(pending->front().request_json);
        REQUIRE(request.ok());
        if (approve) {
          SadSpec spec;
          spec.hashes = {request->hash};
          REQUIRE(other.DepositInKeystore(token.Sad("alice", key.info, spec)).ok());
        } else {
          REQUIRE(*(*keystore)->requests().End(request->request_id, "refused", "not mine",
                                               other.Now()));
        }
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    FAIL("no request appeared");
  };
  std::thread approver(service, true);
  auto signed_ok = sign();
  approver.join();
  CHECK_MESSAGE(signed_ok.ok(), signed_ok.status().ToString());

  std::thread refuser(service, false);
  auto refused = sign();
  refuser.join();
  CHECK(refused.status().code() == Code::kRejected);
  CHECK(refused.status().message().find("not mine") != std::string::npos);
  // Nothing pending is left behind.
  auto pending = token.keystore().requests().ListPending(sam.Now());
  REQUIRE(pending.ok());
  CHECK(pending->empty());
}

TEST_CASE("deposit provider: no answer in time; the request then shows it timed out") {
  DepositFixture f(1);
  TestToken& token = f.token;
  CHECK(f.Sign().status().code() == Code::kTimedOut);
  auto answers =
      token.keystore().audit().List(AuditFilter{"", {}, 0, 0, audit_event::kSadAnswer, 0}, 0);
  REQUIRE(answers.ok());
  REQUIRE(answers->size() == 1);
  const std::string& detail = (*answers)[0].event.detail;
  const size_t at = detail.find("request ");
  REQUIRE(at != std::string::npos);
  const std::string id = detail.substr(at + std::string("request ").size(), 32);
  auto row = token.keystore().requests().Find(id);
  REQUIRE(row.ok());
  REQUIRE(row->has_value());
  CHECK((*row)->state == "timed-out");
}

TEST_CASE("sad provider configuration: unknown types and relative commands are refused") {
  TestToken token;
  SadProviderConfig config;
  config.type = "carrier-pigeon";
  CHECK(MakeSadProvider(config, token.keystore(), DefaultClock()).status().code() == Code::kConfig);
  config.type = sad_provider::kExec;
  config.command = {"device.sh"};
  CHECK(MakeSadProvider(config, token.keystore(), DefaultClock()).status().code() == Code::kConfig);
}

}  // namespace
}  // namespace samp11
