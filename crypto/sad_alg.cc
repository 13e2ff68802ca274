#include "crypto/sad_alg.h"

#include "crypto/json.h"
#include "crypto/key_type.h"
#include "crypto/keys.h"

namespace samp11 {

const char* SadAlgName(SadAlg alg) {
  switch (alg) {
    case SadAlg::kES256:
      return "ES256";
    case SadAlg::kES384:
      return "ES384";
    case SadAlg::kEdDSA:
      return "EdDSA";
    case SadAlg::kRS256:
      return "RS256";
    case SadAlg::kPS256:
      return "PS256";
  }
  return "?";
}

Result<SadAlg> SadAlgForKey(EVP_PKEY* key) {
  SAMP11_ASSIGN_OR_RETURN(KeyType type, KeyTypeOf(key));
  switch (type) {
    case KeyType::kEcP256:
      return SadAlg::kES256;
    case KeyType::kEcP384:
      return SadAlg::kES384;
    case KeyType::kEd25519:
      return SadAlg::kEdDSA;
    default:
      return Status(Code::kUnsupported,
                    std::string("a ") + KeyTypeName(type) + " key cannot sign or verify a SAD");
  }
}

Result<SadAlg> SadAlgFromName(std::string_view name) {
  // Exact, case-sensitive names (RFC 7518): "es256" or "none" are not algorithms here.
  for (SadAlg alg :
       {SadAlg::kES256, SadAlg::kES384, SadAlg::kEdDSA, SadAlg::kRS256, SadAlg::kPS256}) {
    if (name == SadAlgName(alg)) return alg;
  }
  return Status(Code::kUnsupported, "alg '" + Excerpt(name) + "' is not allowed");
}

Status CheckSadAlgKey(SadAlg alg, EVP_PKEY* key) {
  if (key == nullptr) return Status(Code::kArgumentsBad, "no key");
  if (alg == SadAlg::kRS256 || alg == SadAlg::kPS256) {
    // Checked before KeyTypeOf, whose refusal of a 1024-bit key would not say why.
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA && EVP_PKEY_get_bits(key) < 2048) {
      return Status(Code::kUnsupported, std::string(SadAlgName(alg)) + " needs an RSA key of " +
                                            "at least 2048 bits, not " +
                                            std::to_string(EVP_PKEY_get_bits(key)));
    }
    Result<KeyType> type = KeyTypeOf(key);
    if (!type.ok() || FamilyOf(*type) != KeyFamily::kRsa) {
      return Status(Code::kUnsupported,
                    std::string(SadAlgName(alg)) + " needs an RSA key of 2048, 3072 or 4096 bits");
    }
    return Status::Ok();
  }
  Result<SadAlg> fits = SadAlgForKey(key);
  if (!fits.ok() || *fits != alg) {
    return Status(Code::kUnsupported, std::string("the key does not fit ") + SadAlgName(alg) +
                                          " (wrong type or curve)");
  }
  return Status::Ok();
}

}  // namespace samp11
