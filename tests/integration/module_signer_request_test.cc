// The pull path through the built module: a C_Sign with no SAD asks the signer's device (the
// reference device `samp11 device answer`, deciding by a policy file) and waits. The wait blocks
// only its session; C_CloseSession, C_SessionCancel and C_Finalize end it; refusals, timeouts
// and an unreachable device are precise CK_RVs and spend nothing. And a refused login value sent
// again in a loop (NSS) is answered at once.
#include <dlfcn.h>
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include "crypto/keys.h"
#include "cryptoki/pkcs11_v3.h"
#include "keystore/audit.h"
#include "tests/integration/module_fixture.h"
#include "tests/integration/verify_with_openssl.h"

namespace samp11::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

const Bytes kDoc = ToBytes("a document the signer approves on her phone");

struct PullFixture {
  ModuleFixture f;
  UnwrappedKey key;
  std::string policy_path;
  TokenConfig config;

  explicit PullFixture(const std::string& decision, int64_t timeout = 10,
                       const std::string& type = sad_provider::kExec)
      : key(f.token().GenerateKey("alice", KeyType::kEcP256)),
        policy_path(f.token().dir() + "/policy.json"),
        config(f.token().config()) {
    const std::string device_key = f.token().dir() + "/alice-device.pem";
    auto pem = PrivateKeyToPem(f.token().device("alice").key.get());
    REQUIRE(pem.ok());
    std::ofstream(device_key) << *pem;
    SetPolicy(decision);
    SadProviderConfig provider;
    provider.type = type;
    provider.timeout_seconds = timeout;
    provider.poll_milliseconds = 20;
    if (type == sad_provider::kExec) {
      provider.command = {SAMP11_CLI, "device", "answer",   "--device-key", device_key,
                          "--signer", "alice",  "--policy", policy_path};
    }
    config.sad_provider = provider;
    config.policy.protected_authentication_path = true;
    f.Reconfigure(config);
  }
  void SetPolicy(const std::string& decision) {
    std::ofstream(policy_path) << R"({"rules": [{"signer": "alice", "decision": ")" << decision
                               << R"("}]})";
  }
  size_t Count(const char* event, const char* outcome = nullptr) {
    AuditFilter filter;
    filter.event = event;
    auto records = f.token().keystore().audit().List(filter, 0);
    REQUIRE(records.ok());
    size_t n = 0;
    for (const AuditRecord& r : *records) n += outcome == nullptr || r.event.outcome == outcome;
    return n;
  }
  // Until the device has been asked `count` times (the sad-request record is written first).
  bool WaitForRequests(size_t count) {
    for (int i = 0; i < 500; ++i) {
      if (Count(audit_event::kSadRequest) >= count) return true;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return false;
  }
  // C_Sign with no SAD on its own thread, the result in *rv when it returns.
  std::thread SignInBackground(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE handle,
                               std::atomic<CK_RV>* rv) {
    return std::thread([this, session, handle, rv] {
      CK_MECHANISM mech = Mech(CKM_ECDSA_SHA256);
      Bytes doc = kDoc;
      CK_RV r = f.p11()->C_SignInit(session, &mech, handle);
      CK_ULONG len = 64;
      Bytes sig(len);
      if (r == CKR_OK) {
        r = f.p11()->C_Sign(session, doc.data(), static_cast<CK_ULONG>(doc.size()), sig.data(),
                            &len);
      }
      rv->store(r);
    });
  }
};

constexpr CK_RV kPending = 0xFFFFFFFFUL;

TEST_CASE("pull: C_Sign without a SAD asks the device; its SAD signs exactly this document") {
  PullFixture p("approve");
  CK_SESSION_HANDLE s = p.f.OpenSession();
  CK_OBJECT_HANDLE handle = p.f.FindKey(s, p.key.info.id);
  Bytes sig;
  REQUIRE(p.f.SignOnce(s, handle, Mech(CKM_ECDSA_SHA256), "", kDoc, &sig) == CKR_OK);
  EvpPkeyPtr pub = PublicKeyOf(p.key.info);
  CHECK(VerifyDocument(pub.get(), Scheme::kEcdsa, EVP_sha256(), kDoc, sig));
  // The size query asked nothing: one request per signature.
  CHECK(p.Count(audit_event::kSadRequest) == 1);
  CHECK(p.Count(audit_event::kSadAnswer, audit_outcome::kOk) == 1);
  CHECK(p.Count(audit_event::kSign, audit_outcome::kOk) == 1);
}

TEST_CASE("pull: a refusal, a device that never answers, one that cannot be reached") {
  // The device answers in its own process: 10 s leaves a loaded machine time to start it. Only
  // the device that never answers gets a 1 s timeout, so that the test does not wait long.
  PullFixture p("refuse");
  CK_SESSION_HANDLE s = p.f.OpenSession();
  CK_OBJECT_HANDLE handle = p.f.FindKey(s, p.key.info.id);
  CHECK(p.f.SignOnce(s, handle, Mech(CKM_ECDSA_SHA256), "", kDoc, nullptr) ==
        CKR_FUNCTION_REJECTED);
  TokenConfig impatient = p.config;
  impatient.sad_provider->timeout_seconds = 1;
  p.f.Reconfigure(impatient);
  s = p.f.OpenSession();
  p.SetPolicy("ignore");
  const auto start = steady_clock::now();
  CHECK(p.f.SignOnce(s, handle, Mech(CKM_ECDSA_SHA256), "", kDoc, nullptr) ==
        CKR_FUNCTION_CANCELED);
  CHECK(steady_clock::now() - start < std::chrono::seconds(4));
  CHECK(p.Count(audit_event::kSadAnswer, audit_outcome::kRefused) == 2);

  TokenConfig unreachable = p.config;
  unreachable.sad_provider->command = {p.f.token().dir() + "/no-such-device"};
  p.f.Reconfigure(unreachable);
  s = p.f.OpenSession();
  CHECK(p.f.SignOnce(s, handle, Mech(CKM_ECDSA_SHA256), "", kDoc, nullptr) == CKR_DEVICE_ERROR);
  CHECK(p.Count(audit_event::kSadAnswer, audit_outcome::kError) == 1);
  // Nothing was spent: the device approves now, and the same document signs.
  p.f.Reconfigure(p.config);
  p.SetPolicy("approve");
  s = p.f.OpenSession();
  CHECK(p.f.SignOnce(s, handle, Mech(CKM_ECDSA_SHA256), "", kDoc, nullptr) == CKR_OK);
}

TEST_CASE("pull, threads: the wait blocks only its session; C_CloseSession ends it") {
  PullFixture p("ignore", 30);
  CK_SESSION_HANDLE waiting = p.f.OpenSession();
  CK_SESSION_HANDLE other = p.f.OpenSession();
  CK_OBJECT_HANDLE handle = p.f.FindKey(other, p.key.info.id);
  std::atomic<CK_RV> rv{kPending};
  std::thread t = p.SignInBackground(waiting, handle, &rv);
  REQUIRE(p.WaitForRequests(1));
  // Another session signs, with its SAD, while the first waits for the phone.
  Bytes doc2 = ToBytes("signed meanwhile");
  CHECK(p.f.SignOnce(other, handle, Mech(CKM_ECDSA_SHA256),
                     p.f.token().SadForData("alice", p.key.info, doc2), doc2, nullptr) == CKR_OK);
  CHECK(rv.load() == kPending);
  const auto start = steady_clock::now();
  CHECK(p.f.p11()->C_CloseSession(waiting) == CKR_OK);
  t.join();
  CHECK(rv.load() == CKR_SESSION_CLOSED);
  CHECK(steady_clock::now() - start < std::chrono::seconds(3));
  CHECK(p.Count(audit_event::kSign, audit_outcome::kOk) == 1);
}

TEST_CASE("pull, threads: C_SessionCancel ends the wait; the session goes on") {
  PullFixture p("ignore", 30);
  CK_SESSION_HANDLE s = p.f.OpenSession();
  CK_OBJECT_HANDLE handle = p.f.FindKey(s, p.key.info.id);
  void* lib = dlopen(SAMP11_MODULE_PATH, RTLD_NOW | RTLD_NOLOAD);
  REQUIRE(lib != nullptr);
  void* symbol = dlsym(lib, "C_SessionCancel");
  REQUIRE(symbol != nullptr);
  auto cancel = reinterpret_cast<CK_C_SessionCancel>(symbol);
  std::atomic<CK_RV> rv{kPending};
  std::thread t = p.SignInBackground(s, handle, &rv);
  REQUIRE(p.WaitForRequests(1));
  CHECK(cancel(s, CKF_SIGN) == CKR_OK);
  t.join();
  CHECK(rv.load() == CKR_FUNCTION_CANCELED);
  CK_SESSION_INFO info;
  CHECK(p.f.p11()->C_GetSessionInfo(s, &info) == CKR_OK);
  CK_MECHANISM mech = Mech(CKM_ECDSA_SHA256);
  CHECK(p.f.p11()->C_SignInit(s, &mech, handle) == CKR_OK);
  CHECK(cancel(s, CKF_SIGN) == CKR_OK);  // ends an operation that is not waiting, too
  CHECK(p.f.p11()->C_SignInit(s, &mech, handle) == CKR_OK);
  CHECK(cancel(s + 1000, CKF_SIGN) == CKR_SESSION_HANDLE_INVALID);
  dlclose(lib);
}

TEST_CASE("pull, threads: C_Finalize ends every wait") {
  PullFixture p("ignore", 30);
  CK_SESSION_HANDLE s = p.f.OpenSession();
  CK_OBJECT_HANDLE handle = p.f.FindKey(s, p.key.info.id);
  std::atomic<CK_RV> rv{kPending};
  std::thread t = p.SignInBackground(s, handle, &rv);
  REQUIRE(p.WaitForRequests(1));
  CHECK(p.f.p11()->C_Finalize(nullptr) == CKR_OK);
  t.join();
  CHECK(rv.load() == CKR_SESSION_CLOSED);
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  CHECK(p.f.p11()->C_Initialize(&args) == CKR_OK);  // for the fixture's C_Finalize
}

TEST_CASE("pull: the deposit provider waits for `samp11 device watch` to answer") {
  PullFixture p("approve", 20, sad_provider::kDeposit);
  CK_SESSION_HANDLE s = p.f.OpenSession();
  CK_OBJECT_HANDLE handle = p.f.FindKey(s, p.key.info.id);
  const std::string device = std::string(SAMP11_CLI) + " --conf " + p.f.token().config_path() +
                             " device watch --device-key " + p.f.token().dir() +
                             "/alice-device.pem --signer alice --policy " + p.policy_path +
                             " --count 1 --for 20 2>/dev/null &";
  REQUIRE(std::system(device.c_str()) == 0);
  Bytes sig;
  CHECK(p.f.SignOnce(s, handle, Mech(CKM_ECDSA_SHA256), "", kDoc, &sig) == CKR_OK);
  EvpPkeyPtr pub = PublicKeyOf(p.key.info);
  CHECK(VerifyDocument(pub.get(), Scheme::kEcdsa, EVP_sha256(), kDoc, sig));
  CHECK(p.Count(audit_event::kSadDeposit, audit_outcome::kOk) == 1);
}

TEST_CASE("a refused login value sent again at once is refused without verification") {
  ModuleFixture f;
  UnwrappedKey key = f.token().GenerateKey("alice", KeyType::kEcP256);
  CK_SESSION_HANDLE s = f.OpenSession();
  CK_OBJECT_HANDLE handle = f.FindKey(s, key.info.id);
  // A SAD for Bob's key is refused at Alice's key's context login, the same one for ever after.
  UnwrappedKey bobs = f.token().GenerateKey("bob", KeyType::kEcP256);
  const std::string foreign = f.token().SadForData("bob", bobs.info, kDoc);
  CK_MECHANISM mech = Mech(CKM_ECDSA_SHA256);
  REQUIRE(f.p11()->C_SignInit(s, &mech, handle) == CKR_OK);
  CHECK(f.Login(s, CKU_CONTEXT_SPECIFIC, foreign) == CKR_PIN_INCORRECT);
  for (int i = 0; i < 1000; ++i) {
    REQUIRE(f.Login(s, CKU_CONTEXT_SPECIFIC, foreign) == CKR_FUNCTION_CANCELED);
  }
  // A good SAD still logs in: the operation was left as it was.
  CHECK(f.Login(s, CKU_CONTEXT_SPECIFIC, f.token().SadForData("alice", key.info, kDoc)) == CKR_OK);
  AuditFilter filter;
  filter.event = audit_event::kLoginContext;
  CHECK(f.token().keystore().audit().List(filter, 0)->size() == 2);  // one refusal, one login
  filter.event = audit_event::kLoginRepeat;
  CHECK(f.token().keystore().audit().List(filter, 0)->size() == 4);  // at 1, 10, 100, 1000
  // The same SAD on Bob's key is another question, and is verified.
  CK_OBJECT_HANDLE bob_handle = f.FindKey(s, bobs.info.id);
  CK_SESSION_HANDLE s2 = f.OpenSession();
  REQUIRE(f.p11()->C_SignInit(s2, &mech, bob_handle) == CKR_OK);
  CHECK(f.Login(s2, CKU_CONTEXT_SPECIFIC, foreign) == CKR_OK);
  // User logins too.
  CHECK(f.Login(s, CKU_USER, "eyJ.not.a-sad") == CKR_PIN_INCORRECT);
  CHECK(f.Login(s, CKU_USER, "eyJ.not.a-sad") == CKR_FUNCTION_CANCELED);
}

}  // namespace
}  // namespace samp11::testing
