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
  for (SadAlg alg : {SadAlg::kES256, SadAlg::kES384, SadAlg::kEdDSA}) {
    if (name == SadAlgName(alg)) return alg;
  }
  return Status(Code::kUnsupported, "alg '" + Excerpt(name) + "' is not allowed");
}

}  // namespace samp11
