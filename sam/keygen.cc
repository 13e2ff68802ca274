// Key generation through PKCS#11 (C_GenerateKeyPair): who may make a key, and for whom. The ABI
// only reads the templates; the decision is here.
#include "sam/sam.h"

namespace samp11 {

Status Sam::CheckKeyGenerationAllowed() const {
  if (!policy_.allow_pkcs11_keygen) {
    return Status(Code::kMechanismInvalid,
                  "this token's policy does not allow allow_pkcs11_keygen");
  }
  return Status::Ok();
}

Result<UnwrappedKey> Sam::GenerateKeyForLogin(const UserLogin& login, KeyType type,
                                              const std::string& label, const Bytes& id) {
  SAMP11_RETURN_IF_ERROR(CheckKeyGenerationAllowed());
  // A SAD login only: the key is bound for life to the signer who proved control of the device;
  // a PIN activates existing SCAL1 keys, it does not create keys.
  if (login.sad == nullptr) {
    return Status(Code::kNoActivation, "key generation needs a SAD login");
  }
  return keystore_.keys().GenerateKey(login.sad->signer(), type, label, /*scal=*/2, id);
}

}  // namespace samp11
