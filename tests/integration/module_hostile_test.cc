// A hostile calling application: stale and forged handles, oversized inputs, SADs moved between
// sessions and keys, C_Finalize under load, fork, and hash-length tricks. Each case asserts the
// precise CK_RV, and that nothing signs that the SAD does not allow.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "tests/integration/module_fixture.h"

namespace samp11::testing {
namespace {

const Bytes kDoc = ToBytes("hostile caller's document");

struct Setup {
  ModuleFixture f;
  UnwrappedKey key = f.token().GenerateKey("alice", KeyType::kEcP256);
  CK_SESSION_HANDLE session = f.OpenSession();
  CK_OBJECT_HANDLE handle = f.FindKey(session, key.info.id);

  std::string Sad(const Bytes& data = kDoc) {
    return f.token().SadForData("alice", key.info, data);
  }
  CK_RV Sign(CK_SESSION_HANDLE s, const std::string& sad, const Bytes& data = kDoc) {
    return f.SignOnce(s, handle, Mech(CKM_ECDSA_SHA256), sad, data, nullptr);
  }
};

TEST_CASE("stale and forged session and object handles are refused, never dereferenced") {
  Setup s;
  CK_MECHANISM mech = Mech(CKM_ECDSA_SHA256);
  CK_SESSION_HANDLE closed = s.f.OpenSession();
  REQUIRE(s.f.p11()->C_CloseSession(closed) == CKR_OK);
  for (CK_SESSION_HANDLE bad : {closed, CK_SESSION_HANDLE{0}, ~CK_SESSION_HANDLE{0}}) {
    CAPTURE(bad);
    CHECK(s.f.p11()->C_SignInit(bad, &mech, s.handle) == CKR_SESSION_HANDLE_INVALID);
    CHECK(s.f.Login(bad, CKU_CONTEXT_SPECIFIC, s.Sad()) == CKR_SESSION_HANDLE_INVALID);
    CK_BYTE data[32] = {};
    CK_ULONG len = 64;
    CHECK(s.f.p11()->C_Sign(bad, data, sizeof data, nullptr, &len) == CKR_SESSION_HANDLE_INVALID);
    CHECK(s.f.p11()->C_FindObjectsInit(bad, nullptr, 0) == CKR_SESSION_HANDLE_INVALID);
  }
  // Object handles are (row << 2) | kind: the same row with another kind, a row that does not
  // exist, 0 and ~0 must all be refused as a signing key.
  const CK_OBJECT_HANDLE row = s.handle >> 2;
  for (CK_OBJECT_HANDLE bad :
       {CK_OBJECT_HANDLE{0}, ~CK_OBJECT_HANDLE{0}, row << 2, (row << 2) | 2, (row << 2) | 3,
        ((row + 1000) << 2) | 1, s.handle ^ (CK_OBJECT_HANDLE{1} << 62)}) {
    CAPTURE(bad);
    // Kind 2 of the key's row is its public key, a real key that may not sign; every other one
    // names nothing.
    const bool public_key = bad == ((row << 2) | 2);
    CHECK(s.f.p11()->C_SignInit(s.session, &mech, bad) ==
          (public_key ? CKR_KEY_FUNCTION_NOT_PERMITTED : CKR_KEY_HANDLE_INVALID));
    CK_ATTRIBUTE a{CKA_ID, nullptr, 0};
    if (!public_key) {
      CHECK(s.f.p11()->C_GetAttributeValue(s.session, bad, &a, 1) == CKR_OBJECT_HANDLE_INVALID);
    }
  }
  // The real session and key still work after all of that.
  CHECK(s.Sign(s.session, s.Sad()) == CKR_OK);
}

TEST_CASE("an operation begun on a session dies with it") {
  Setup s;
  CK_SESSION_HANDLE other = s.f.OpenSession();
  CK_OBJECT_HANDLE key = s.f.FindKey(other, s.key.info.id);
  CK_MECHANISM mech = Mech(CKM_ECDSA_SHA256);
  REQUIRE(s.f.p11()->C_SignInit(other, &mech, key) == CKR_OK);
  std::string sad = s.Sad();
  REQUIRE(s.f.Login(other, CKU_CONTEXT_SPECIFIC, sad) == CKR_OK);
  REQUIRE(s.f.p11()->C_CloseSession(other) == CKR_OK);
  Bytes data = kDoc;
  CK_BYTE sig[64];
  CK_ULONG len = sizeof sig;
  CHECK(s.f.p11()->C_Sign(other, data.data(), data.size(), sig, &len) ==
        CKR_SESSION_HANDLE_INVALID);
  // Nothing was spent by the abandoned operation: the SAD still signs once, elsewhere.
  CHECK(s.Sign(s.session, sad) == CKR_OK);
  CHECK(s.Sign(s.session, sad) == CKR_FUNCTION_REJECTED);
}

TEST_CASE("attribute buffers: a larger ulValueLen gets the value and its true size") {
  Setup s;
  Bytes buf(100, 0xAA);
  CK_ATTRIBUTE a{CKA_ID, buf.data(), static_cast<CK_ULONG>(buf.size())};
  REQUIRE(s.f.p11()->C_GetAttributeValue(s.session, s.handle, &a, 1) == CKR_OK);
  REQUIRE(a.ulValueLen == s.key.info.id.size());
  CHECK(Bytes(buf.begin(), buf.begin() + a.ulValueLen) == s.key.info.id);
  for (size_t i = a.ulValueLen; i < buf.size(); ++i) CHECK(buf[i] == 0xAA);  // untouched
}

TEST_CASE("10,000-attribute templates and a 1 MiB CKA_ID are answered, not crashed on") {
  Setup s;
  CK_OBJECT_CLASS klass = CKO_PRIVATE_KEY;
  std::vector<CK_ATTRIBUTE> find(10000, CK_ATTRIBUTE{CKA_CLASS, &klass, sizeof klass});
  REQUIRE(s.f.p11()->C_FindObjectsInit(s.session, find.data(), find.size()) == CKR_OK);
  CK_OBJECT_HANDLE found[4];
  CK_ULONG count = 0;
  CHECK(s.f.p11()->C_FindObjects(s.session, found, 4, &count) == CKR_OK);
  CHECK(count == 1);
  CHECK(s.f.p11()->C_FindObjectsFinal(s.session) == CKR_OK);

  std::vector<CK_ATTRIBUTE> get(10000, CK_ATTRIBUTE{CKA_ID, nullptr, 0});
  CHECK(s.f.p11()->C_GetAttributeValue(s.session, s.handle, get.data(), get.size()) == CKR_OK);
  CHECK(get.front().ulValueLen == s.key.info.id.size());
  CHECK(get.back().ulValueLen == s.key.info.id.size());

  Bytes huge_id(1 << 20, 0x5A);
  CK_ATTRIBUTE by_id[] = {{CKA_ID, huge_id.data(), static_cast<CK_ULONG>(huge_id.size())}};
  REQUIRE(s.f.p11()->C_FindObjectsInit(s.session, by_id, 1) == CKR_OK);
  CHECK(s.f.p11()->C_FindObjects(s.session, found, 4, &count) == CKR_OK);
  CHECK(count == 0);
  CHECK(s.f.p11()->C_FindObjectsFinal(s.session) == CKR_OK);
}

TEST_CASE("a 1 MiB SAD is CKR_PIN_LEN_RANGE") {
  Setup s;
  CHECK(s.Sign(s.session, std::string(1 << 20, 'A')) == CKR_PIN_LEN_RANGE);
}

TEST_CASE("a context login activates its own session's operation only") {
  Setup s;
  CK_SESSION_HANDLE other = s.f.OpenSession();
  CK_OBJECT_HANDLE key = s.f.FindKey(other, s.key.info.id);
  CK_MECHANISM mech = Mech(CKM_ECDSA_SHA256);
  std::string sad = s.Sad();
  REQUIRE(s.f.p11()->C_SignInit(s.session, &mech, s.handle) == CKR_OK);
  REQUIRE(s.f.Login(s.session, CKU_CONTEXT_SPECIFIC, sad) == CKR_OK);
  // The other session, same key, same document, no SAD of its own.
  CHECK(s.f.SignOnce(other, key, mech, "", kDoc, nullptr) == CKR_USER_NOT_LOGGED_IN);
  Bytes data = kDoc;
  CK_BYTE sig[64];
  CK_ULONG len = sizeof sig;
  CHECK(s.f.p11()->C_Sign(s.session, data.data(), data.size(), sig, &len) == CKR_OK);
}

TEST_CASE("a SAD for key A is refused at the context login of an operation on key B") {
  Setup s;
  UnwrappedKey b = s.f.token().GenerateKey("alice", KeyType::kEcP256);
  CK_OBJECT_HANDLE b_handle = s.f.FindKey(s.session, b.info.id);
  std::string sad_for_a = s.Sad();
  CHECK(s.f.SignOnce(s.session, b_handle, Mech(CKM_ECDSA_SHA256), sad_for_a, kDoc, nullptr) ==
        CKR_PIN_INCORRECT);
  CHECK(s.Sign(s.session, sad_for_a) == CKR_OK);  // not spent by the refusal
}

TEST_CASE("a SAD replayed on other sessions of the same process is refused") {
  Setup s;
  std::string sad = s.Sad();
  REQUIRE(s.Sign(s.session, sad) == CKR_OK);
  for (int i = 0; i < 3; ++i) {
    CK_SESSION_HANDLE other = s.f.OpenSession(i % 2 == 0);
    CHECK(s.Sign(other, sad) == CKR_FUNCTION_REJECTED);
    CHECK(s.f.p11()->C_CloseSession(other) == CKR_OK);
  }
}

TEST_CASE("C_Finalize while threads sign: clean CK_RVs, then C_Initialize works again") {
  Setup s;
  constexpr int kThreads = 4, kPerThread = 40;
  std::vector<std::vector<std::pair<Bytes, std::string>>> work(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      Bytes doc = ToBytes("finalize " + std::to_string(t) + "/" + std::to_string(i));
      work[t].emplace_back(doc, s.Sad(doc));
    }
  }
  const std::set<CK_RV> allowed = {CKR_OK,
                                   CKR_CRYPTOKI_NOT_INITIALIZED,
                                   CKR_SESSION_HANDLE_INVALID,
                                   CKR_SESSION_CLOSED,
                                   CKR_OPERATION_NOT_INITIALIZED,
                                   CKR_KEY_HANDLE_INVALID};
  std::atomic<int> unexpected{0}, signed_ok{0}, started{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
      CK_RV rv =
          s.f.p11()->C_OpenSession(s.f.slot(), CKF_SERIAL_SESSION, nullptr, nullptr, &session);
      ++started;
      if (rv != CKR_OK) {
        if (!allowed.count(rv)) ++unexpected;
        return;
      }
      for (const auto& [doc, sad] : work[t]) {
        rv = s.f.SignOnce(session, s.handle, Mech(CKM_ECDSA_SHA256), sad, doc, nullptr);
        if (rv == CKR_OK) ++signed_ok;
        if (!allowed.count(rv)) {
          MESSAGE("unexpected CK_RV " << rv);
          ++unexpected;
        }
        if (rv == CKR_CRYPTOKI_NOT_INITIALIZED) return;
      }
    });
  }
  // Finalize once every thread is inside its signing loop (bounded, should a thread be refused).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while ((started < kThreads || signed_ok < kThreads) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  CHECK(s.f.p11()->C_Finalize(nullptr) == CKR_OK);
  for (std::thread& th : threads) th.join();
  CHECK(unexpected == 0);
  CHECK(signed_ok < kThreads * kPerThread);  // the finalize really cut the threads short

  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  REQUIRE(s.f.p11()->C_Initialize(&args) == CKR_OK);
  CK_SESSION_HANDLE fresh = s.f.OpenSession();
  Bytes doc = ToBytes("after re-initialize");
  CHECK(s.f.SignOnce(fresh, s.f.FindKey(fresh, s.key.info.id), Mech(CKM_ECDSA_SHA256), s.Sad(doc),
                     doc, nullptr) == CKR_OK);
}

TEST_CASE("fork: the child must C_Initialize again and then works on fresh state") {
  Setup s;
  std::string sad = s.Sad();
  CK_MECHANISM mech = Mech(CKM_ECDSA_SHA256);
  REQUIRE(s.f.p11()->C_SignInit(s.session, &mech, s.handle) == CKR_OK);
  REQUIRE(s.f.Login(s.session, CKU_CONTEXT_SPECIFIC, sad) == CKR_OK);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // The child: only exit codes leave it (doctest's state is the parent's). 10+ is a failure.
    CK_FUNCTION_LIST_PTR p11 = s.f.p11();
    Bytes data = kDoc;
    CK_BYTE sig[64];
    CK_ULONG len = sizeof sig;
    // The parent's activated operation must not sign in the child.
    if (p11->C_Sign(s.session, data.data(), data.size(), sig, &len) !=
        CKR_CRYPTOKI_NOT_INITIALIZED) {
      _exit(10);
    }
    CK_SESSION_INFO info;
    if (p11->C_GetSessionInfo(s.session, &info) != CKR_CRYPTOKI_NOT_INITIALIZED) _exit(11);
    CK_C_INITIALIZE_ARGS args{};
    args.flags = CKF_OS_LOCKING_OK;
    if (p11->C_Initialize(&args) != CKR_OK) _exit(12);
    if (p11->C_GetSessionInfo(s.session, &info) != CKR_SESSION_HANDLE_INVALID) _exit(13);
    CK_SESSION_HANDLE fresh;
    if (p11->C_OpenSession(0, CKF_SERIAL_SESSION, nullptr, nullptr, &fresh) != CKR_OK) _exit(14);
    if (p11->C_Finalize(nullptr) != CKR_OK) _exit(15);
    _exit(0);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  // The parent's operation is intact and signs once.
  Bytes data = kDoc;
  CK_BYTE sig[64];
  CK_ULONG len = sizeof sig;
  CHECK(s.f.p11()->C_Sign(s.session, data.data(), data.size(), sig, &len) == CKR_OK);
}

// Re-entrancy: the application's own mutex callbacks call back into the module, while it is
// initializing and while it holds its locks. Runs in a child with an alarm, so that a deadlock
// fails the case instead of hanging the suite.
CK_FUNCTION_LIST_PTR reentrant_p11 = nullptr;
std::atomic<int> reentrant_calls{0};
std::atomic<int> reentrant_bad{0};

void CallBack() {
  // One level deep: a callback whose module call locks again would otherwise recurse forever
  // (the application's bug, not the module's).
  thread_local bool inside = false;
  if (inside) return;
  inside = true;
  // Any answer but a crash or a hang is acceptable here; these must be well-formed ones.
  ++reentrant_calls;
  CK_INFO info;
  CK_RV rv = reentrant_p11->C_GetInfo(&info);
  if (rv != CKR_OK && rv != CKR_CRYPTOKI_NOT_INITIALIZED) ++reentrant_bad;
  CK_SESSION_INFO session_info;
  rv = reentrant_p11->C_GetSessionInfo(0x7777, &session_info);
  if (rv != CKR_SESSION_HANDLE_INVALID && rv != CKR_CRYPTOKI_NOT_INITIALIZED) ++reentrant_bad;
  inside = false;
}

TEST_CASE("re-entrancy: mutex callbacks that call the module neither deadlock nor corrupt") {
  Setup s;
  std::string sad = s.Sad();
  CK_OBJECT_HANDLE handle = s.handle;
  REQUIRE(s.f.p11()->C_Finalize(nullptr) == CKR_OK);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    alarm(30);  // a deadlock ends as SIGALRM, which the parent reports
    reentrant_p11 = s.f.p11();
    CK_C_INITIALIZE_ARGS args{};
    args.CreateMutex = [](CK_VOID_PTR_PTR m) -> CK_RV {
      CallBack();
      *m = new std::recursive_mutex;
      return CKR_OK;
    };
    args.DestroyMutex = [](CK_VOID_PTR m) -> CK_RV {
      delete static_cast<std::recursive_mutex*>(m);
      return CKR_OK;
    };
    args.LockMutex = [](CK_VOID_PTR m) -> CK_RV {
      static_cast<std::recursive_mutex*>(m)->lock();
      CallBack();
      return CKR_OK;
    };
    args.UnlockMutex = [](CK_VOID_PTR m) -> CK_RV {
      static_cast<std::recursive_mutex*>(m)->unlock();
      return CKR_OK;
    };
    CK_FUNCTION_LIST_PTR p11 = reentrant_p11;
    if (p11->C_Initialize(&args) != CKR_OK) _exit(10);
    CK_SESSION_HANDLE session;
    if (p11->C_OpenSession(0, CKF_SERIAL_SESSION, nullptr, nullptr, &session) != CKR_OK) {
      _exit(11);
    }
    // The signature still goes through the SAM, exactly once.
    CK_MECHANISM mech = Mech(CKM_ECDSA_SHA256);
    Bytes data = kDoc;
    CK_BYTE sig[64];
    CK_ULONG len = sizeof sig;
    if (p11->C_SignInit(session, &mech, handle) != CKR_OK) _exit(12);
    if (p11->C_Login(session, CKU_CONTEXT_SPECIFIC,
                     reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(sad.data())),
                     sad.size()) != CKR_OK) {
      _exit(13);
    }
    if (p11->C_Sign(session, data.data(), data.size(), sig, &len) != CKR_OK) _exit(14);
    // Spent: refused at the login or at the signature.
    if (p11->C_SignInit(session, &mech, handle) != CKR_OK) _exit(15);
    CK_RV again =
        p11->C_Login(session, CKU_CONTEXT_SPECIFIC,
                     reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(sad.data())), sad.size());
    len = sizeof sig;
    CK_RV signed_again = p11->C_Sign(session, data.data(), data.size(), sig, &len);
    if (again != CKR_FUNCTION_REJECTED && signed_again != CKR_FUNCTION_REJECTED) _exit(16);
    if (signed_again == CKR_OK) _exit(16);
    if (p11->C_Finalize(nullptr) != CKR_OK) _exit(17);
    if (reentrant_calls == 0) _exit(18);  // the callbacks did run
    if (reentrant_bad != 0) _exit(19);
    _exit(0);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  INFO("child status " << status);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  REQUIRE(s.f.p11()->C_Initialize(nullptr) == CKR_OK);  // for the fixture's own C_Finalize
}

TEST_CASE("CKM_ECDSA: 31, 33 and 65 bytes are CKR_DATA_LEN_RANGE") {
  Setup s;
  for (size_t n : {31u, 33u, 65u}) {
    CAPTURE(n);
    Bytes data(n, 0x42);
    SadSpec spec;
    spec.hashes = {Digest(HashAlg::kSha256, data)};
    std::string sad = s.f.token().Sad("alice", s.key.info, spec);
    CHECK(s.f.SignOnce(s.session, s.handle, Mech(CKM_ECDSA), sad, data, nullptr) ==
          CKR_DATA_LEN_RANGE);
  }
}

TEST_CASE("CKM_RSA_PKCS: a DigestInfo of another algorithm, or with trailing bytes, is refused") {
  ModuleFixture f;
  UnwrappedKey key = f.token().GenerateKey("alice", KeyType::kRsa2048);
  CK_SESSION_HANDLE session = f.OpenSession();
  CK_OBJECT_HANDLE handle = f.FindKey(session, key.info.id);
  const Bytes sha256_prefix = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                               0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
  const Bytes sha384_prefix = {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                               0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30};
  const Bytes h256 = Digest(HashAlg::kSha256, kDoc), h384 = Digest(HashAlg::kSha384, kDoc);
  SadSpec spec;
  spec.hashes = {h256};
  const std::string sad = f.token().Sad("alice", key.info, spec);
  auto sign = [&](const Bytes& data) {
    return f.SignOnce(session, handle, Mech(CKM_RSA_PKCS), sad, data, nullptr);
  };
  Bytes as_sha384 = sha384_prefix;
  as_sha384.insert(as_sha384.end(), h384.begin(), h384.end());
  CHECK(sign(as_sha384) == CKR_FUNCTION_REJECTED);  // the SAD binds SHA-256, not SHA-384
  Bytes trailing = sha256_prefix;
  trailing.insert(trailing.end(), h256.begin(), h256.end());
  trailing.push_back(0x00);
  CHECK(sign(trailing) == CKR_DATA_INVALID);
  // The exact DigestInfo of the bound hash still signs: the refusals spent nothing.
  trailing.pop_back();
  CHECK(sign(trailing) == CKR_OK);
}

TEST_CASE("clock skew: iat = now + skew is accepted, now + skew + 2 is refused") {
  Setup s;
  const int64_t skew = SamPolicy{}.sad.clock_skew_seconds;
  SadSpec at_edge;
  at_edge.hashes = {Digest(HashAlg::kSha256, kDoc)};
  at_edge.iat_offset = skew;
  SadSpec beyond = at_edge;
  beyond.iat_offset = skew + 2;
  CHECK(s.Sign(s.session, s.f.token().Sad("alice", s.key.info, beyond)) == CKR_PIN_INCORRECT);
  CHECK(s.Sign(s.session, s.f.token().Sad("alice", s.key.info, at_edge)) == CKR_OK);
}

}  // namespace
}  // namespace samp11::testing
