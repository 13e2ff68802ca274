// C_GenerateRandom and C_SeedRandom: OpenSSL's DRBG, which seeds itself.
#include "crypto/random.h"
#include "pkcs11/core.h"
#include "pkcs11/session.h"

namespace samp11::p11 {

Rv GenerateRandom(CK_SESSION_HANDLE hSession, CK_BYTE_PTR RandomData, CK_ULONG ulRandomLen) {
  P11_ASSIGN_OR_RETURN(SessionRef s, RequireSession(hSession, Need::kSession));
  if (RandomData == nullptr && ulRandomLen > 0) return Rv(CKR_ARGUMENTS_BAD, "RandomData is NULL");
  if (ulRandomLen == 0) return CKR_OK;
  return FromStatus(RandomFill(RandomData, ulRandomLen));
}

Rv SeedRandom(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSeed, CK_ULONG ulSeedLen) {
  P11_ASSIGN_OR_RETURN(SessionRef s, RequireSession(hSession, Need::kSession));
  if (pSeed == nullptr && ulSeedLen > 0) return Rv(CKR_ARGUMENTS_BAD, "pSeed is NULL");
  return Rv(CKR_RANDOM_SEED_NOT_SUPPORTED, "the DRBG takes no seed from applications");
}

}  // namespace samp11::p11
