// Batch SADs: the first signature claims every hash of the SAD for this process in one durable
// write (Keystore::TakeBatchHash); no other process may sign under it, and what is left unsigned
// when the claiming process ends is lost, never signable twice.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "sam/sign_operation.h"
#include "tests/support/test_token.h"

namespace samp11 {
namespace {

using testing::SadSpec;
using testing::TestToken;

const MechanismSpec kEcdsaSha256{MechanismKind::kEcdsaWithHash, HashAlg::kSha256, {}};

Result<Bytes> SignWith(Sam& sam, const KeyInfo& key, const std::string& sad, const Bytes& data) {
  SAMP11_ASSIGN_OR_RETURN(auto op, SignOperation::Begin(sam, key.handle, kEcdsaSha256));
  SAMP11_RETURN_IF_ERROR(op->ContextLogin(sad));
  SAMP11_RETURN_IF_ERROR(op->Update(data.data(), data.size()));
  return op->Finish(nullptr);
}

std::vector<Bytes> Docs(int n) {
  std::vector<Bytes> docs;
  for (int i = 0; i < n; ++i) docs.push_back(ToBytes("document " + std::to_string(i)));
  return docs;
}

std::string BatchSad(TestToken& token, const KeyInfo& key, const std::vector<Bytes>& docs) {
  SadSpec spec;
  for (const Bytes& d : docs) spec.hashes.push_back(Digest(HashAlg::kSha256, d));
  return token.Sad("alice", key, spec);
}

TEST_CASE("a batch SAD is claimed by the process that signs first; another is refused") {
  TestToken token;
  Sam first(token.keystore(), SamPolicy{}, DefaultClock());
  UnwrappedKey key = token.GenerateKey("alice", KeyType::kEcP256);
  std::vector<Bytes> docs = Docs(3);
  std::string sad = BatchSad(token, key.info, docs);

  REQUIRE(SignWith(first, key.info, sad, docs[0]).ok());
  // Another process on the same file: the SAD verifies, but its hashes are this one's.
  auto other_keystore = OpenTokenKeystore(token.config());
  REQUIRE(other_keystore.ok());
  Sam other(**other_keystore, SamPolicy{}, DefaultClock());
  Result<Bytes> refused = SignWith(other, key.info, sad, docs[1]);
  CHECK(refused.status().code() == Code::kRejected);
  CHECK(refused.status().message().find("claimed by another process") != std::string::npos);
  // The claiming process signs the rest, each once.
  CHECK(SignWith(first, key.info, sad, docs[1]).ok());
  CHECK(SignWith(first, key.info, sad, docs[2]).ok());
  CHECK(SignWith(first, key.info, sad, docs[2]).status().code() == Code::kRejected);
  CHECK(SignWith(first, key.info, sad, docs[0]).status().code() == Code::kRejected);

  // A claim record each, durable with the spends, saying how many hashes each process took.
  AuditFilter filter;
  filter.event = audit_event::kSadClaim;
  auto claims = token.keystore().audit().List(filter, 0);
  REQUIRE(claims.ok());
  REQUIRE(claims->size() == 2);
  CHECK((*claims)[0].event.detail == "3 of 3 hashes claimed by this process");
  CHECK((*claims)[1].event.detail == "0 of 3 hashes claimed by this process");
  auto report = token.keystore().audit().Verify();
  REQUIRE(report.ok());
  CHECK(report->ok());
}

TEST_CASE("hashes a claiming process left unsigned are lost when it ends, never signed twice") {
  TestToken token;
  UnwrappedKey key = token.GenerateKey("alice", KeyType::kEcP256);
  std::vector<Bytes> docs = Docs(2);
  std::string sad = BatchSad(token, key.info, docs);
  {
    auto keystore = OpenTokenKeystore(token.config());
    REQUIRE(keystore.ok());
    Sam gone(**keystore, SamPolicy{}, DefaultClock());
    REQUIRE(SignWith(gone, key.info, sad, docs[0]).ok());
  }  // the process that claimed the batch ends (or is killed) here
  Sam next(token.keystore(), SamPolicy{}, DefaultClock());
  CHECK(SignWith(next, key.info, sad, docs[0]).status().code() == Code::kRejected);
  CHECK(SignWith(next, key.info, sad, docs[1]).status().code() == Code::kRejected);
}

TEST_CASE("a batch SAD signed from concurrent threads: every hash exactly once") {
  TestToken token;
  Sam sam(token.keystore(), SamPolicy{}, DefaultClock());
  UnwrappedKey key = token.GenerateKey("alice", KeyType::kEcP256);
  constexpr int kDocs = 40;
  constexpr int kThreads = 4;
  std::vector<Bytes> docs = Docs(kDocs);
  std::string sad = BatchSad(token, key.info, docs);
  std::atomic<int> signed_count{0}, refused{0}, errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      // Every thread tries every document: each may be signed once in all.
      for (const Bytes& doc : docs) {
        Result<Bytes> signature = SignWith(sam, key.info, sad, doc);
        if (signature.ok()) {
          ++signed_count;
        } else if (signature.status().code() == Code::kRejected) {
          ++refused;
        } else {
          ++errors;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(errors == 0);
  CHECK(signed_count == kDocs);
  CHECK(refused == (kThreads - 1) * kDocs);
}

}  // namespace
}  // namespace samp11
