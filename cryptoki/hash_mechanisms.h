// The SHA-2 hashes samp11 signs with, as PKCS#11 names them: the hash mechanisms (CKM_SHA*) and
// the MGF1 generators of RSA-PSS (CKG_MGF1_SHA*). Both directions: the ABI reads them from an
// application's CK_RSA_PKCS_PSS_PARAMS, the inner token writes them into its own.
#pragma once

#include <optional>

#include "crypto/digest.h"
#include "cryptoki/pkcs11_v3.h"

namespace samp11 {

CK_MECHANISM_TYPE HashMechanism(HashAlg alg);  // CKM_SHA256, CKM_SHA384, CKM_SHA512
CK_RSA_PKCS_MGF_TYPE Mgf1(HashAlg alg);        // CKG_MGF1_SHA256, ...

// nullopt for any other mechanism or generator (SHA-1, SHA-224, SHA-3, ...).
std::optional<HashAlg> HashFromMechanism(CK_MECHANISM_TYPE type);
std::optional<HashAlg> HashFromMgf(CK_RSA_PKCS_MGF_TYPE mgf);

}  // namespace samp11
