// The pkcs11 key backend (hsm/pkcs11_key_backend.h) on the SoftHSM token: the reference it wraps
// into a keystore row is the keystore's canonical encoding of the inner CKA_ID (rows already hold
// it in that form), it loads the key again, and a reference of another form or to a key that is
// gone is refused as tampered.
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "common/canonical_encoding.h"
#include "crypto/digest.h"
#include "crypto/keys.h"
#include "crypto/signature.h"
#include "hsm/pkcs11_key_backend.h"
#include "tests/unit/hsm_test_util.h"

namespace samp11::hsm_test {

TEST_SUITE("pkcs11 key backend") {
  TEST_CASE("a key's reference is the keystore's canonical encoding of its CKA_ID") {
    REQUIRE_SOFTHSM();
    std::unique_ptr<KeyBackend> backend = MakePkcs11KeyBackend(NewToken(hsm.Config()));
    CHECK(std::string(backend->name()) == key_backend::kPkcs11);
    Bytes id = NewId("backend-reference");
    Result<BackendKey> made = backend->Generate(KeyType::kEcP256, id, "reference");
    REQUIRE_MESSAGE(made.ok(), made.status().ToString());
    Bytes expected = CanonicalEncoder().Add("pkcs11-key-ref-v1").Add(id).bytes();
    CHECK(Bytes(made->material.data(), made->material.data() + made->material.size()) == expected);

    SecureBytes material(expected.data(), expected.size());
    Result<BackendKey> loaded = backend->Load(KeyType::kEcP256, made->public_spki, material);
    REQUIRE_MESSAGE(loaded.ok(), loaded.status().ToString());
    Bytes hash = Digest(HashAlg::kSha256, ToBytes("loaded again"));
    Result<Bytes> signature = loaded->signer->EcdsaSignHash(hash);
    REQUIRE_MESSAGE(signature.ok(), signature.status().ToString());
    Result<EvpPkeyPtr> pub = PublicKeyFromSpki(made->public_spki);
    REQUIRE(pub.ok());
    CHECK(EcdsaVerifyHash(pub->get(), hash, *signature).ok());

    SecureBytes truncated(expected.data(), expected.size() - 1);
    CHECK(backend->Load(KeyType::kEcP256, made->public_spki, truncated).status().code() ==
          Code::kTampered);
    CHECK(backend->Discard(*made).ok());
    CHECK(backend->Load(KeyType::kEcP256, made->public_spki, material).status().code() ==
          Code::kTampered);
  }
}

}  // namespace samp11::hsm_test
