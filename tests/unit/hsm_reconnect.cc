// The inner token's connection lost behind samp11's back (sessions closed, logged out) is made
// again within the call that meets the loss, and a forked child initializes the module again.
#include <dlfcn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "crypto/digest.h"
#include "crypto/keys.h"
#include "crypto/signature.h"
#include "cryptoki/pkcs11_v3.h"
#include "tests/unit/hsm_test_util.h"

namespace samp11::hsm_test {

TEST_SUITE("inner token") {
  TEST_CASE("the connection is made again after the module lost its sessions or login") {
    REQUIRE_SOFTHSM();
    std::shared_ptr<InnerToken> token = NewToken(hsm.Config());
    Bytes id = NewId("reconnect");
    Result<InnerKey> made = token->GenerateKeyPair(KeyType::kEd25519, id, "reconnect");
    REQUIRE_MESSAGE(made.ok(), made.status().ToString());
    // The same module instance, as an application sharing it with samp11 would hold it.
    void* handle = ::dlopen(kSoftHsmModule, RTLD_NOW | RTLD_LOCAL);
    REQUIRE(handle != nullptr);
    auto get_list = reinterpret_cast<CK_C_GetFunctionList>(::dlsym(handle, "C_GetFunctionList"));
    REQUIRE(reinterpret_cast<void*>(get_list) != nullptr);
    CK_FUNCTION_LIST* fl = nullptr;
    REQUIRE(get_list(&fl) == CKR_OK);
    CK_ULONG count = 16;
    CK_SLOT_ID slots[16];
    REQUIRE(fl->C_GetSlotList(CK_TRUE, slots, &count) == CKR_OK);
    CK_SLOT_ID inner = 0;
    for (CK_ULONG i = 0; i < count; ++i) {
      CK_TOKEN_INFO info{};
      REQUIRE(fl->C_GetTokenInfo(slots[i], &info) == CKR_OK);
      if (std::string(reinterpret_cast<char*>(info.label), 5) == "inner") inner = slots[i];
    }

    Result<EvpPkeyPtr> pub = PublicKeyFromSpki(made->public_spki);
    REQUIRE(pub.ok());
    const Bytes message = {1, 2, 3};
    // Both losses are repaired within the call that meets them: the connection is made again,
    // the key found again by its CKA_ID and public key, and the signature made.
    SUBCASE("all sessions closed behind samp11's back") {
      REQUIRE(fl->C_CloseAllSessions(inner) == CKR_OK);
      Result<Bytes> sig = EddsaSign(*token, made->handle, message);
      REQUIRE_MESSAGE(sig.ok(), sig.status().ToString());
      CHECK(Ed25519Verify(pub->get(), message, *sig).ok());
    }
    SUBCASE("logged out behind samp11's back, then a signature") {
      CK_SESSION_HANDLE session = 0;
      REQUIRE(fl->C_OpenSession(inner, CKF_SERIAL_SESSION, nullptr, nullptr, &session) == CKR_OK);
      REQUIRE(fl->C_Logout(session) == CKR_OK);
      REQUIRE(fl->C_CloseSession(session) == CKR_OK);
      Result<Bytes> sig = EddsaSign(*token, made->handle, message);
      REQUIRE_MESSAGE(sig.ok(), sig.status().ToString());
      CHECK(Ed25519Verify(pub->get(), message, *sig).ok());
    }
    SUBCASE("logged out behind samp11's back, then a search") {
      CK_SESSION_HANDLE session = 0;
      REQUIRE(fl->C_OpenSession(inner, CKF_SERIAL_SESSION, nullptr, nullptr, &session) == CKR_OK);
      REQUIRE(fl->C_Logout(session) == CKR_OK);
      REQUIRE(fl->C_CloseSession(session) == CKR_OK);
      // Logged out, a search would see no private key at all; it must not answer "none".
      Result<std::vector<InnerKey>> found = token->FindPrivateKeys(id);
      REQUIRE_MESSAGE(found.ok(), found.status().ToString());
      REQUIRE(found->size() == 1);
      CHECK(found->front().handle == made->handle);
    }
    // The handle stays valid across the reconnection (same process, same object).
    SignAndVerify(*token, *made, "after reconnecting");
    CHECK(*token->DestroyObjects(id) == 2);
  }

  TEST_CASE("a forked child initializes the module again and signs") {
    REQUIRE_SOFTHSM();
    std::shared_ptr<InnerToken> token = NewToken(hsm.Config());
    Bytes id = NewId("fork");
    Result<InnerKey> made = token->GenerateKeyPair(KeyType::kEcP256, id, "fork");
    REQUIRE_MESSAGE(made.ok(), made.status().ToString());
    Result<EvpPkeyPtr> pub = PublicKeyFromSpki(made->public_spki);
    REQUIRE(pub.ok());
    Bytes hash = Digest(HashAlg::kSha256, ToBytes("child"));
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      // No doctest here: the child reports through its exit status only.
      Result<Bytes> sig = token->Sign(made->handle, InnerMechanism::kEcdsa, hash);
      int code = !sig.ok() ? 2 : EcdsaVerifyHash(pub->get(), hash, *sig).ok() ? 0 : 3;
      if (!sig.ok()) std::fprintf(stderr, "child: %s\n", sig.status().ToString().c_str());
      ::_exit(code);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    // The parent's connection is untouched by the child.
    SignAndVerify(*token, *made, "parent after fork");
    CHECK(*token->DestroyObjects(id) == 2);
  }
}

}  // namespace samp11::hsm_test
