// Where a token's master key comes from, and the keys derived from it.
#pragma once

#include <string>

#include "common/bytes.h"
#include "common/status.h"

namespace samp11 {

struct MasterKeySource {
  enum class Kind { kKeyFile, kPassphraseEnv };
  Kind kind = Kind::kKeyFile;
  // kKeyFile: path of a 32-byte file, mode 0600 or stricter (anything looser is refused).
  // kPassphraseEnv: name of the environment variable holding the passphrase (scrypt).
  std::string location;
};

// Writes a fresh random 32-byte key file with mode 0600; kAlreadyExists if the path exists.
Status CreateMasterKeyFile(const std::string& path);
// Reads the key file, or derives the key from the passphrase with scrypt_salt.
Result<SecureBytes> LoadMasterKey(const MasterKeySource& source, const Bytes& scrypt_salt);

// Purpose-separated subkeys (HKDF-SHA256 of the master key).
struct DerivedKeys {
  SecureBytes wrap;    // AES-256-GCM for private keys
  SecureBytes mac;     // HMAC-SHA256 for signer enrolments and activation keys
  SecureBytes check;   // HMAC-SHA256 of the token identity: tells a wrong master key at open
  SecureBytes audit;   // HMAC-SHA256 of the audit log's chain values and head
  SecureBytes backup;  // AES-256-GCM of backup files (keystore_backup.cc)
};
Result<DerivedKeys> DeriveKeys(const SecureBytes& master);

}  // namespace samp11
