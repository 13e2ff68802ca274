// The reverse PKCS#11 encodings of crypto/keys.h that the inner token reads public keys with
// (hsm/inner_objects.cc): RSA parts and EC attributes back to keys. No module needed.
#include <doctest/doctest.h>

#include "crypto/keys.h"
#include "tests/unit/hsm_test_util.h"

namespace samp11::hsm_test {

TEST_SUITE("inner PKCS#11 encodings") {
  TEST_CASE("public keys come back from their PKCS#11 attributes") {
    for (KeyType type : kAllTypes) {
      CAPTURE(KeyTypeName(type));
      Result<EvpPkeyPtr> key = GenerateKey(type);
      REQUIRE(key.ok());
      Result<Bytes> spki = PublicKeyToSpki(key->get());
      REQUIRE(spki.ok());
      if (FamilyOf(type) == KeyFamily::kRsa) {
        Result<RsaPublicParts> parts = RsaPublic(key->get());
        REQUIRE(parts.ok());
        Result<EvpPkeyPtr> back = PublicKeyFromRsaParts(parts->modulus, parts->public_exponent);
        REQUIRE_MESSAGE(back.ok(), back.status().ToString());
        CHECK(*PublicKeyToSpki(back->get()) == *spki);
        // A leading zero byte (a signed big-endian encoding) changes nothing.
        Bytes padded = parts->modulus;
        padded.insert(padded.begin(), 0x00);
        Result<EvpPkeyPtr> padded_back = PublicKeyFromRsaParts(padded, parts->public_exponent);
        REQUIRE(padded_back.ok());
        CHECK(*PublicKeyToSpki(padded_back->get()) == *spki);
        CHECK(PublicKeyFromRsaParts({}, parts->public_exponent).status().code() ==
              Code::kArgumentsBad);
        CHECK(PublicKeyFromRsaParts(parts->modulus, {0x02}).status().code() == Code::kArgumentsBad);
        continue;
      }
      Result<Bytes> params = EcParamsDer(key->get());
      Result<Bytes> point = EcPointDer(key->get());
      REQUIRE(params.ok());
      REQUIRE(point.ok());
      CHECK(*KeyTypeFromEcParams(*params) == type);
      CHECK(*EcParamsDer(type) == *params);
      Result<EvpPkeyPtr> wrapped = PublicKeyFromEcAttributes(*params, *point);
      REQUIRE_MESSAGE(wrapped.ok(), wrapped.status().ToString());
      CHECK(*PublicKeyToSpki(wrapped->get()) == *spki);
      // The bare point (or 32-byte key) some modules return instead of the OCTET STRING.
      Bytes bare(point->begin() + 2, point->end());
      Result<EvpPkeyPtr> from_bare = PublicKeyFromEcAttributes(*params, bare);
      REQUIRE_MESSAGE(from_bare.ok(), from_bare.status().ToString());
      CHECK(*PublicKeyToSpki(from_bare->get()) == *spki);
      Bytes truncated(point->begin(), point->end() - 1);
      CHECK(PublicKeyFromEcAttributes(*params, truncated).status().code() == Code::kArgumentsBad);
      if (type == KeyType::kEd25519) {
        const Bytes printable = {0x13, 0x0c, 'e', 'd', 'w', 'a', 'r',
                                 'd',  's',  '2', '5', '5', '1', '9'};
        CHECK(*KeyTypeFromEcParams(printable) == KeyType::kEd25519);
        Result<EvpPkeyPtr> named = PublicKeyFromEcAttributes(printable, *point);
        REQUIRE(named.ok());
        CHECK(*PublicKeyToSpki(named->get()) == *spki);
      }
    }
    // secp256k1 is not a curve samp11 signs with.
    const Bytes secp256k1 = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a};
    CHECK(KeyTypeFromEcParams(secp256k1).status().code() == Code::kUnsupported);
    CHECK(EcParamsDer(KeyType::kRsa2048).status().code() == Code::kKeyTypeInconsistent);
  }

  TEST_CASE("an EC point that is not on the curve is refused") {
    Result<Bytes> params = EcParamsDer(KeyType::kEcP256);
    REQUIRE(params.ok());
    Bytes point(65, 0x01);
    point[0] = 0x04;
    CHECK(PublicKeyFromEcAttributes(*params, point).status().code() == Code::kArgumentsBad);
  }
}

}  // namespace samp11::hsm_test
