// A token's keystore: the durable rows of state_store.h, authenticated and decrypted under the
// master key. Private keys are wrapped with AES-256-GCM whose associated data binds each blob to
// its key id, owner, type, SCAL, policy and public key: editing or swapping any of them makes the
// key unusable (kTampered), never transferable. Signer enrolments and activation keys carry an
// HMAC over every field. The keystore decides nothing about SADs; the SAM does.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/key_type.h"
#include "crypto/ossl.h"
#include "keystore/master_key.h"
#include "keystore/state_store.h"
#include "sad/sad.h"

namespace samp11 {

enum class ActivationKeyRole { kDevice, kAuthorizationServer };
const char* RoleName(ActivationKeyRole role);

struct ActivationKey {
  std::string kid;
  ActivationKeyRole role;
  std::string owner;  // signer (device) or issuer name (authorization server)
  SadAlg alg;
  SharedPkey public_key;
};

struct KeyInfo {
  int64_t handle = 0;
  Bytes id;
  std::string label;
  KeyType type;
  std::string owner;
  int scal = 2;
  std::string policy_json;
  Bytes public_spki;
  int64_t created = 0;
};

// A key whose row was authenticated by unwrapping it: only this may be used to sign.
struct UnwrappedKey {
  KeyInfo info;
  SharedPkey private_key;
};

class Keystore {
 public:
  // Creates the token file and its identity; the master key must already exist (key file) or
  // the passphrase be set. label is the CK_TOKEN_INFO label (at most 32 bytes).
  static Result<std::unique_ptr<Keystore>> Create(const std::string& path,
                                                  const MasterKeySource& master,
                                                  const std::string& label);
  // Opens an existing token; a wrong master key is kConfig with a clear message.
  static Result<std::unique_ptr<Keystore>> Open(const std::string& path,
                                                const MasterKeySource& master);

  const std::string& identity() const { return identity_; }  // the SAD `aud`
  const std::string& label() const { return label_; }

  // Signers and the keys that may activate for them.
  Status AddSigner(const std::string& name);
  Result<bool> SignerExists(const std::string& name);  // MAC checked: kTampered if edited
  Result<std::vector<std::string>> ListSigners();
  // Registers a public key (P-256, P-384, Ed25519). kid defaults to the RFC 7638 thumbprint.
  // A device key's owner must be an enrolled signer.
  Result<std::string> AddActivationKey(ActivationKeyRole role, const std::string& owner,
                                       EVP_PKEY* public_key, const std::string& kid = "");
  // MAC checked; cached after the first successful check.
  Result<ActivationKey> GetActivationKey(const std::string& kid);
  Result<std::vector<ActivationKey>> ListActivationKeys();

  // Generates a key inside the module, bound to owner for life. id defaults to 16 random bytes.
  Result<UnwrappedKey> GenerateKey(const std::string& owner, KeyType type, const std::string& label,
                                   int scal, const Bytes& id = Bytes());
  // Row lookups: fine for attributes; not authenticated until Unwrap.
  Result<std::optional<KeyInfo>> FindKeyByHandle(int64_t handle);
  Result<std::optional<KeyInfo>> FindKeyById(const Bytes& id);
  Result<std::vector<KeyInfo>> FindKeysByLabel(const std::string& label, int64_t after,
                                               size_t limit);
  Result<std::vector<KeyInfo>> ListKeys(int64_t after, size_t limit);
  // Decrypts and authenticates the key row (up to kMaxCachedKeys keys stay unwrapped in memory).
  Result<UnwrappedKey> Unwrap(int64_t handle);

  // Stores a certificate for an existing key (its public key must match the key's).
  Result<CertRow> ImportCertificate(const Bytes& key_id, const Bytes& pem_or_der,
                                    const std::string& label);
  StateStore& state() { return *state_; }

  // Replay: true if this call spent the hash; false if it was already spent (by anyone).
  Result<bool> SpendHash(const std::string& kid, const std::string& jti, const Bytes& hash,
                         const Bytes& key_id, int64_t sad_exp);
  Result<bool> IsHashSpent(const std::string& kid, const std::string& jti, const Bytes& hash);

 private:
  Keystore(std::unique_ptr<StateStore> state, DerivedKeys keys, std::string identity,
           std::string label);
  Result<KeyInfo> InfoFromRow(const KeyRow& row);
  void CacheKeyLocked(const UnwrappedKey& key);  // cache_mu_ held

  static constexpr size_t kMaxCachedKeys = 4096;

  std::unique_ptr<StateStore> state_;
  DerivedKeys keys_;
  std::string identity_;
  std::string label_;

  std::mutex cache_mu_;
  std::unordered_map<std::string, ActivationKey> activation_cache_;
  std::unordered_map<int64_t, UnwrappedKey> key_cache_;
};

}  // namespace samp11
