// Keys in the inner token: every key type generated, found by CKA_ID and signing (signatures
// checked with OpenSSL), destroyed objects and their handles, and concurrent signers.
#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "crypto/digest.h"
#include "crypto/keys.h"
#include "crypto/signature.h"
#include "tests/unit/hsm_test_util.h"

namespace samp11::hsm_test {

TEST_SUITE("inner token") {
  TEST_CASE("every key type is generated, found and signs") {
    REQUIRE_SOFTHSM();
    std::shared_ptr<InnerToken> token = NewToken(hsm.Config());
    for (KeyType type : kAllTypes) {
      CAPTURE(KeyTypeName(type));
      Bytes id = NewId(std::string("gen-") + KeyTypeName(type));
      std::string label = std::string("label ") + KeyTypeName(type);
      Result<InnerKey> made = token->GenerateKeyPair(type, id, label);
      REQUIRE_MESSAGE(made.ok(), made.status().ToString());
      CHECK(made->type == type);
      CHECK(made->id == id);
      CHECK(made->label == label);
      CHECK(made->handle != 0);
      CHECK(made->sensitive);
      CHECK_FALSE(made->extractable);
      CHECK(made->always_sensitive);
      CHECK(made->never_extractable);
      CHECK(made->can_sign);
      REQUIRE_FALSE(made->public_spki.empty());
      Result<EvpPkeyPtr> pub = PublicKeyFromSpki(made->public_spki);
      REQUIRE(pub.ok());
      CHECK(*KeyTypeOf(pub->get()) == type);

      Result<std::vector<InnerKey>> found = token->FindPrivateKeys(id);
      REQUIRE_MESSAGE(found.ok(), found.status().ToString());
      REQUIRE(found->size() == 1);
      const InnerKey& key = found->front();
      CHECK(key.handle == made->handle);
      CHECK(key.type == type);
      CHECK(key.label == label);
      CHECK(key.public_spki == made->public_spki);
      CHECK(key.sensitive);
      CHECK_FALSE(key.extractable);
      CHECK(key.can_sign);

      SignAndVerify(*token, key, "message for " + label);
    }
    Result<std::vector<InnerKey>> none = token->FindPrivateKeys(NewId("never-made"));
    REQUIRE(none.ok());
    CHECK(none->empty());
    CHECK(token->FindPrivateKeys({}).status().code() == Code::kArgumentsBad);
    CHECK(token->DestroyObjects({}).status().code() == Code::kArgumentsBad);
    CHECK(token->Sign(1, InnerMechanism::kRsaPss, Bytes(32)).status().code() ==
          Code::kMechanismParamInvalid);
  }

  TEST_CASE("destroyed objects are gone and their handle no longer signs") {
    REQUIRE_SOFTHSM();
    std::shared_ptr<InnerToken> token = NewToken(hsm.Config());
    Bytes id = NewId("destroy");
    Result<InnerKey> made = token->GenerateKeyPair(KeyType::kEcP256, id, "to destroy");
    REQUIRE_MESSAGE(made.ok(), made.status().ToString());
    Result<int> destroyed = token->DestroyObjects(id);
    REQUIRE_MESSAGE(destroyed.ok(), destroyed.status().ToString());
    CHECK(*destroyed == 2);  // private and public key
    Result<std::vector<InnerKey>> found = token->FindPrivateKeys(id);
    REQUIRE(found.ok());
    CHECK(found->empty());
    Result<Bytes> sig =
        token->Sign(made->handle, InnerMechanism::kEcdsa, Digest(HashAlg::kSha256, Bytes{1}));
    REQUIRE_FALSE(sig.ok());
    CHECK(sig.status().code() == Code::kNotFound);
    CHECK(Contains(sig.status().message(), "CKR_"));
    CHECK(*token->DestroyObjects(id) == 0);
    CHECK(token->Sign(987654, InnerMechanism::kEcdsa, Bytes(32)).status().code() ==
          Code::kNotFound);
  }

  TEST_CASE("eight threads sign at once through four sessions") {
    REQUIRE_SOFTHSM();
    std::shared_ptr<InnerToken> token = NewToken(hsm.Config("inner", 4));
    Result<InnerKey> ec = token->GenerateKeyPair(KeyType::kEcP256, NewId("mt-ec"), "mt ec");
    Result<InnerKey> ed = token->GenerateKeyPair(KeyType::kEd25519, NewId("mt-ed"), "mt ed");
    REQUIRE(ec.ok());
    REQUIRE(ed.ok());
    Result<EvpPkeyPtr> ec_pub = PublicKeyFromSpki(ec->public_spki);
    Result<EvpPkeyPtr> ed_pub = PublicKeyFromSpki(ed->public_spki);
    REQUIRE(ec_pub.ok());
    REQUIRE(ed_pub.ok());
    std::atomic<int> good{0};
    std::atomic<int> bad{0};
    std::vector<std::thread> threads;
    constexpr int kThreads = 8;
    constexpr int kRounds = 25;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kRounds; ++i) {
          Bytes message = ToBytes("thread " + std::to_string(t) + " round " + std::to_string(i));
          Bytes hash = Digest(HashAlg::kSha256, message);
          Result<Bytes> a = token->Sign(ec->handle, InnerMechanism::kEcdsa, hash);
          Result<Bytes> b = EddsaSign(*token, ed->handle, message);
          bool ok = a.ok() && b.ok() && EcdsaVerifyHash(ec_pub->get(), hash, *a).ok() &&
                    Ed25519Verify(ed_pub->get(), message, *b).ok();
          (ok ? good : bad)++;
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    CHECK(bad.load() == 0);
    CHECK(good.load() == kThreads * kRounds);
    CHECK(*token->DestroyObjects(NewId("mt-ec")) == 2);
    CHECK(*token->DestroyObjects(NewId("mt-ed")) == 2);
  }
}

}  // namespace samp11::hsm_test
