// Reading the inner token's objects through a leased session (session_pool.h). A failed call is
// reported to the pool through the lease, so a lost session or login shows up here as a Status
// whose lease asks Run to try once more.
#pragma once

#include <optional>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/ossl.h"
#include "cryptoki/pkcs11_v3.h"
#include "hsm/inner_token.h"
#include "hsm/session_pool.h"

namespace samp11::inner {

// Templates are read, never written, by the module; CK_ATTRIBUTE just has no const pointer.
inline CK_ATTRIBUTE Attr(CK_ATTRIBUTE_TYPE type, const void* value, size_t size) {
  return CK_ATTRIBUTE{type, const_cast<void*>(value), static_cast<CK_ULONG>(size)};
}

inline constexpr CK_BBOOL kCkTrue = CK_TRUE;
inline constexpr CK_BBOOL kCkFalse = CK_FALSE;

// An attribute's value; none when the object has no such attribute or keeps it sensitive.
Result<std::optional<Bytes>> GetAttribute(Lease& lease, CK_OBJECT_HANDLE object,
                                          CK_ATTRIBUTE_TYPE type);
// Every object matching the template; the search is always ended, also after a failure.
Result<std::vector<CK_OBJECT_HANDLE>> FindObjects(Lease& lease, std::vector<CK_ATTRIBUTE> match);
// The private key's attributes, handle = the module's object handle; nullopt if its type or size
// is not one samp11 supports.
Result<std::optional<InnerKey>> ReadPrivateKey(Lease& lease, CK_OBJECT_HANDLE object,
                                               const Bytes& id);
// The public key a public key object holds (RSA, EC or Edwards).
Result<EvpPkeyPtr> ReadPublicKey(Lease& lease, CK_OBJECT_HANDLE object);
// The private keys of id in the lease's connection, handle = the module's object handle, each
// with the public key of the one public key object of id when it fits. Fails with
// CKR_USER_NOT_LOGGED_IN rather than answer "none" from a session that lost its login.
Result<std::vector<InnerKey>> FindKeysIn(Lease& lease, const Bytes& id);

}  // namespace samp11::inner
