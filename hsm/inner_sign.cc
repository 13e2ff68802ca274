// One signature by the inner token: the raw primitive of crypto/signature.h the SAM asked for,
// in a session of its own, with the key looked up again once if the module renumbered it.
#include "cryptoki/hash_mechanisms.h"
#include "hsm/inner_token.h"
#include "hsm/inner_token_impl.h"

namespace samp11 {

using inner::Lease;

Result<Bytes> InnerToken::Sign(uint64_t handle, InnerMechanism mechanism, const Bytes& data,
                               const PssParams* pss) {
  CK_MECHANISM mech{};
  CK_RSA_PKCS_PSS_PARAMS pss_params{};
  switch (mechanism) {
    case InnerMechanism::kEcdsa:
      mech.mechanism = CKM_ECDSA;
      break;
    case InnerMechanism::kRsaPkcs:
      mech.mechanism = CKM_RSA_PKCS;
      break;
    case InnerMechanism::kRsaPss:
      if (pss == nullptr) return Status(Code::kMechanismParamInvalid, "PSS parameters missing");
      mech.mechanism = CKM_RSA_PKCS_PSS;
      pss_params.hashAlg = HashMechanism(pss->hash);
      pss_params.mgf = Mgf1(pss->mgf1_hash);
      pss_params.sLen = static_cast<CK_ULONG>(pss->salt_length);
      mech.pParameter = &pss_params;
      mech.ulParameterLen = sizeof pss_params;
      break;
    case InnerMechanism::kEddsa:
      mech.mechanism = CKM_EDDSA;  // no parameters: pure Ed25519
      break;
  }
  return impl_->pool.Run<Bytes>([&](Lease& lease) -> Result<Bytes> {
    SAMP11_ASSIGN_OR_RETURN(CK_OBJECT_HANDLE object, impl_->handles.Resolve(lease, handle));
    CK_FUNCTION_LIST* fl = lease.fl();
    CK_RV rv = fl->C_SignInit(lease.session(), &mech, object);
    if (rv == CKR_KEY_HANDLE_INVALID || rv == CKR_OBJECT_HANDLE_INVALID) {
      // SoftHSM answers so, not CKR_USER_NOT_LOGGED_IN, for a private key after a logout.
      SAMP11_RETURN_IF_ERROR(lease.CheckLoggedIn());
      // Else the module renumbered its objects (or the key is gone): look it up again by its
      // CKA_ID and public key, once.
      impl_->handles.Invalidate(handle, object);
      lease.Retry();
    }
    if (rv != CKR_OK) {
      if (rv == CKR_OPERATION_ACTIVE) lease.Discard();
      return lease.Failure("C_SignInit", rv);
    }
    // Large enough for RSA-4096 (512 bytes) and every other signature, so one call does it.
    Bytes signature(1024);
    CK_ULONG size = static_cast<CK_ULONG>(signature.size());
    rv = fl->C_Sign(lease.session(), const_cast<CK_BYTE*>(data.data()),
                    static_cast<CK_ULONG>(data.size()), signature.data(), &size);
    if (rv != CKR_OK) {
      // C_Sign ends the operation on most errors but not all (CKR_BUFFER_TOO_SMALL), and
      // modules differ: a session that may still hold an operation would fail the next signer
      // with CKR_OPERATION_ACTIVE. A fresh session is cheap.
      lease.Discard();
      return lease.Failure("C_Sign", rv);
    }
    signature.resize(size);
    return signature;
  });
}

}  // namespace samp11
