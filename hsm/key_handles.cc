// samp11's key handles and the lookup, by CKA_ID and public key, of the object behind one after a
// reconnection.
#include "hsm/key_handles.h"

#include <iterator>
#include <string>
#include <vector>

#include "common/log.h"
#include "hsm/inner_objects.h"

namespace samp11::inner {

void KeyHandles::Register(InnerKey& key, const Lease& lease) {
  uint64_t generation = lease.generation()->number;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [handle, known] : keys_) {
    if (known.id != key.id || known.type != key.type) continue;
    // The same key is the same public key; without one, only the same object now.
    bool same = !known.public_spki.empty() && !key.public_spki.empty()
                    ? known.public_spki == key.public_spki
                    : known.object == key.handle && known.generation == generation;
    if (!same) continue;
    known.object = key.handle;
    known.generation = generation;
    if (known.public_spki.empty()) known.public_spki = key.public_spki;
    key.handle = handle;
    return;
  }
  uint64_t handle = next_handle_++;
  keys_.emplace(handle, KnownKey{key.id, key.type, key.public_spki,
                                 static_cast<CK_OBJECT_HANDLE>(key.handle), generation});
  key.handle = handle;
}

Result<CK_OBJECT_HANDLE> KeyHandles::Resolve(Lease& lease, uint64_t handle) {
  uint64_t generation = lease.generation()->number;
  KnownKey known;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto found = keys_.find(handle);
    if (found == keys_.end()) {
      return Status(Code::kNotFound,
                    lease.Describe() + ": key handle " + std::to_string(handle) +
                        " is not valid (CKR_KEY_HANDLE_INVALID): destroyed, or not found "
                        "through this inner token");
    }
    if (found->second.generation == generation) return found->second.object;
    known = found->second;
  }
  if (known.public_spki.empty()) {
    return Status(Code::kNotFound, lease.Describe() + ": the key of id " + HexEncode(known.id) +
                                       " cannot be recognised after reconnecting, having no "
                                       "public key (CKR_KEY_HANDLE_INVALID)");
  }
  SAMP11_ASSIGN_OR_RETURN(std::vector<InnerKey> keys, FindKeysIn(lease, known.id));
  for (const InnerKey& key : keys) {
    if (key.type != known.type || key.public_spki != known.public_spki) continue;
    std::lock_guard<std::mutex> lock(mu_);
    auto found = keys_.find(handle);
    if (found == keys_.end()) break;  // destroyed meanwhile
    found->second.object = static_cast<CK_OBJECT_HANDLE>(key.handle);
    found->second.generation = generation;
    SAMP11_LOG(kInfo, lease.Describe() << ": key of id " << HexEncode(known.id)
                                       << " found again as object " << key.handle);
    return found->second.object;
  }
  return Status(Code::kNotFound, lease.Describe() + ": the key of id " + HexEncode(known.id) +
                                     " is no longer on the token (CKR_KEY_HANDLE_INVALID)");
}

void KeyHandles::Invalidate(uint64_t handle, CK_OBJECT_HANDLE object) {
  std::lock_guard<std::mutex> lock(mu_);
  auto known = keys_.find(handle);
  if (known != keys_.end() && known->second.object == object) known->second.generation = 0;
}

void KeyHandles::Forget(const Bytes& id) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = keys_.begin(); it != keys_.end();) {
    it = it->second.id == id ? keys_.erase(it) : std::next(it);
  }
}

}  // namespace samp11::inner
