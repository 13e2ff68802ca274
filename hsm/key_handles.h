// samp11's handles for the inner token's private keys, stable across reconnections.
//
// Object handles of the module are not kept across connections: SoftHSM forgets every handle of
// a slot when its last session closes and private ones at logout, and numbers them afresh after
// C_Initialize, so an old number may name another object. samp11's handle stays; the object
// behind it is found again by CKA_ID and must hold the same public key.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/key_type.h"
#include "cryptoki/pkcs11_v3.h"
#include "hsm/inner_token.h"
#include "hsm/session_pool.h"

namespace samp11::inner {

class KeyHandles {
 public:
  // samp11's handle for a key found in lease's connection (the same handle as before for a key
  // samp11 already knows); sets key.handle, the module's object handle on entry, to it.
  void Register(InnerKey& key, const Lease& lease);
  // The module's object handle for samp11's handle in lease's connection, looked up again by
  // CKA_ID and public key after a reconnection. kNotFound if the key is unknown or gone.
  Result<CK_OBJECT_HANDLE> Resolve(Lease& lease, uint64_t handle);
  // The module refused object for handle (renumbered, or gone): the next Resolve looks it up
  // again, unless another thread already did.
  void Invalidate(uint64_t handle, CK_OBJECT_HANDLE object);
  // Every handle of a CKA_ID whose objects were destroyed: a handle must not outlive its key.
  void Forget(const Bytes& id);

 private:
  // A private key handed out by GenerateKeyPair or FindPrivateKeys, under the handle samp11
  // was given.
  struct KnownKey {
    Bytes id;
    KeyType type = KeyType::kEcP256;
    Bytes public_spki;
    CK_OBJECT_HANDLE object = CK_INVALID_HANDLE;  // valid in the connection below
    uint64_t generation = 0;                      // Generation::number; 0 = look it up again
  };

  std::mutex mu_;
  std::map<uint64_t, KnownKey> keys_;
  uint64_t next_handle_ = 1;
};

}  // namespace samp11::inner
