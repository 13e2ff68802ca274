// Many sessions on many threads under CKF_OS_LOCKING_OK: every signature verifies and every SAD
// signs exactly once, however the threads interleave.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "tests/integration/module_fixture.h"
#include "tests/integration/verify_with_openssl.h"

namespace samp11::testing {
namespace {

TEST_CASE("threads with a session each sign concurrently; a shared SAD wins once") {
  ModuleFixture f;
  UnwrappedKey key = f.token().GenerateKey("alice", KeyType::kEcP256);
  constexpr int kThreads = 6, kPerThread = 20;
  // SADs are made before the threads start: the test device is not what is under test.
  std::vector<std::vector<std::pair<Bytes, std::string>>> work(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      Bytes doc = ToBytes("thread " + std::to_string(t) + " doc " + std::to_string(i));
      work[t].emplace_back(doc, f.token().SadForData("alice", key.info, doc));
    }
  }
  Bytes shared_doc = ToBytes("everyone wants this one");
  std::string shared_sad = f.token().SadForData("alice", key.info, shared_doc);
  EvpPkeyPtr pub = PublicKeyOf(key.info);

  std::atomic<int> signed_ok{0}, verified{0}, shared_wins{0}, shared_rejected{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
      if (f.p11()->C_OpenSession(f.slot(), CKF_SERIAL_SESSION, nullptr, nullptr, &s) != CKR_OK) {
        ++other;
        return;
      }
      CK_OBJECT_HANDLE handle = f.FindKey(s, key.info.id);
      for (int i = 0; i < kPerThread; ++i) {
        Bytes sig;
        const auto& [doc, sad] = work[t][i];
        if (f.SignOnce(s, handle, Mech(CKM_ECDSA_SHA256), sad, doc, &sig) == CKR_OK) {
          ++signed_ok;
          if (VerifyDocument(pub.get(), Scheme::kEcdsa, EVP_sha256(), doc, sig)) ++verified;
        } else {
          ++other;
        }
        if (i == kPerThread / 2) {
          CK_RV rv = f.SignOnce(s, handle, Mech(CKM_ECDSA_SHA256), shared_sad, shared_doc, &sig);
          if (rv == CKR_OK) ++shared_wins;
          if (rv == CKR_FUNCTION_REJECTED) ++shared_rejected;
        }
      }
      f.p11()->C_CloseSession(s);
    });
  }
  for (std::thread& th : threads) th.join();
  CHECK(other == 0);
  CHECK(signed_ok == kThreads * kPerThread);
  CHECK(verified == kThreads * kPerThread);
  CHECK(shared_wins == 1);
  CHECK(shared_rejected == kThreads - 1);
}

}  // namespace
}  // namespace samp11::testing
