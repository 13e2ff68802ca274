// Signing keys as rows: the wrapped private half (or its reference in an inner token) and what
// the key is. The token is designed for a million keys: lookups are by index and listings come
// a page at a time (handle > after, ascending, at most limit rows); nothing loads all of them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "state/rows.h"

namespace samp11 {

class KeyStore {
 public:
  virtual ~KeyStore() = default;

  // Fills row.handle. kAlreadyExists if the id is taken, kNotFound if the owner is not an
  // enrolled signer.
  virtual Status InsertKey(KeyRow& row) = 0;
  // Many rows in one atomic write, each as InsertKey (the benchmark's keystore of a million
  // keys); all or none.
  virtual Status InsertKeys(std::vector<KeyRow>& rows) = 0;
  // These two return destroyed keys too (an id is never reused); the listings skip them.
  virtual Result<std::optional<KeyRow>> FindKeyByHandle(int64_t handle) = 0;
  virtual Result<std::optional<KeyRow>> FindKeyById(const Bytes& id) = 0;
  virtual Result<std::vector<KeyRow>> FindKeysByLabel(std::string_view label, int64_t after,
                                                      size_t limit) = 0;
  virtual Result<std::vector<KeyRow>> ListKeys(int64_t after, size_t limit) = 0;
  virtual Result<std::vector<KeyRow>> ListKeysByOwner(std::string_view owner, int64_t after,
                                                      size_t limit) = 0;
  // Writes status, status_changed, certified and status_mac; kNotFound if there is no such id,
  // or if the key is destroyed (a destroyed key never changes again).
  virtual Status UpdateKeyStatus(const KeyRow& row) = 0;
  // The same, and erases wrapped_private so that no copy of it is left in the store (free pages
  // and logs included, as far as the implementation can), and drops the SADs deposited for the
  // key (deposit_store.h), which can never be used. Cannot be undone. A leftover copy that
  // could not be erased yet (another reader held it) is reported as kStorage after the status is
  // written.
  virtual Status DestroyKey(const KeyRow& row) = 0;
};

}  // namespace samp11
