// The backup file: one SQLite image of a token, sealed with AES-256-GCM under the backup key
// derived from the master key (master_key.h). Layout:
//   "SAMP11BK" | u32 big-endian header length | header (JSON) | nonce | ciphertext | tag
// Everything before the nonce is the associated data, so the header (which token, when, which
// scrypt salt) cannot be edited either; it stays readable so that restore can name what it holds
// and derive a passphrase's key before decrypting.
#pragma once

#include <cstdint>
#include <string>

#include "common/bytes.h"
#include "common/status.h"

namespace samp11 {

struct BackupHeader {
  int version = 1;
  std::string identity;  // the token's identity (SAD aud): a backup restores only into its token
  std::string label;
  int64_t created_at = 0;
  int64_t schema_version = 0;
  int64_t audit_last_seq = 0;   // the last audit record the image holds
  std::string scrypt_salt_hex;  // empty for a key-file master key
};

Result<Bytes> SealBackup(const SecureBytes& backup_key, const BackupHeader& header,
                         const SecureBytes& image);
// Parses the header only (kArgumentsBad: not a samp11 backup; kUnsupported: a later version).
Result<BackupHeader> ReadBackupHeader(const Bytes& file);
// kTampered if any byte was changed or the key is not the one it was sealed under.
Result<SecureBytes> OpenBackup(const SecureBytes& backup_key, const Bytes& file);

}  // namespace samp11
