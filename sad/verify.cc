// VerifySadSignature: the SAD's JWS signature against the key registered for its kid.
#include "crypto/signature.h"
#include "sad/sad.h"

namespace samp11 {

namespace {

Status Invalid(const std::string& message) {
  return Status(Code::kActivationInvalid, "SAD " + message);
}

}  // namespace

Status VerifySadSignature(const ParsedSad& sad, EVP_PKEY* key, SadAlg expected_alg) {
  // The registered algorithm decides, never the header: a header that names another algorithm is
  // an attempt to have the key's bytes read under different rules.
  if (sad.alg != expected_alg) {
    return Invalid(std::string("alg confusion: header says ") + SadAlgName(sad.alg) +
                   ", the key is registered for " + SadAlgName(expected_alg));
  }
  // Again at each use, not only at registration: an RSA key under 2048 bits never verifies.
  if (!CheckSadAlgKey(expected_alg, key).ok()) {
    return Invalid(std::string("registered key does not fit ") + SadAlgName(expected_alg));
  }
  Bytes input = ToBytes(sad.signing_input);
  Status verified;
  switch (expected_alg) {
    case SadAlg::kES256:
    case SadAlg::kES384: {
      // RFC 7518 section 3.4: r||s, each exactly the field size.
      size_t size = expected_alg == SadAlg::kES256 ? 64 : 96;
      if (sad.signature.size() != size) {
        return Invalid(std::string("signature: ") + SadAlgName(expected_alg) + " needs " +
                       std::to_string(size) + " bytes");
      }
      HashAlg hash = expected_alg == SadAlg::kES256 ? HashAlg::kSha256 : HashAlg::kSha384;
      verified = EcdsaVerifyHash(key, Digest(hash, input), sad.signature);
      break;
    }
    case SadAlg::kEdDSA:
      if (sad.signature.size() != 64) return Invalid("signature: EdDSA needs 64 bytes");
      verified = Ed25519Verify(key, input, sad.signature);
      break;
    case SadAlg::kRS256:
      verified = RsaPkcs1VerifyDigestInfo(
          key, MakeDigestInfo(HashAlg::kSha256, Digest(HashAlg::kSha256, input)), sad.signature);
      break;
    case SadAlg::kPS256:
      // RFC 7518 section 3.5: MGF1 with the same hash, a salt as long as the hash.
      verified = RsaPssVerifyHash(key, Digest(HashAlg::kSha256, input),
                                  PssParams{HashAlg::kSha256, HashAlg::kSha256, 32}, sad.signature);
      break;
  }
  if (!verified.ok()) return Invalid("signature does not verify");
  return Status::Ok();
}

}  // namespace samp11
