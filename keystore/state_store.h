// The durable state of one token, as rows, behind one narrow interface. The SQLite file is the
// embedded default (sqlite_state_store.cc); a PostgreSQL implementation shared by several signing
// nodes is planned behind the same interface. Rows here are not trusted: keystore.h authenticates
// them (MACs, AES-GCM associated data) before anything acts on them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"

namespace samp11 {

struct SignerRow {
  std::string name;
  int64_t created = 0;
  Bytes mac;
};

struct ActivationKeyRow {
  std::string kid;
  std::string role;   // "device" or "authorization-server"
  std::string owner;  // signer name (device) or issuer name (authorization server)
  std::string alg;    // "ES256", "ES384", "EdDSA"
  Bytes public_spki;
  int64_t created = 0;
  Bytes mac;
};

struct KeyRow {
  int64_t handle = 0;  // assigned by the store, > 0, never reused
  Bytes id;            // CKA_ID, unique
  std::string label;
  std::string key_type;  // KeyTypeName()
  std::string owner;     // signer name, for life
  int scal = 2;
  std::string policy_json;
  Bytes public_spki;
  Bytes wrapped_private;  // AES-256-GCM, see keystore.cc for the associated data
  int64_t created = 0;
};

struct CertRow {
  int64_t handle = 0;
  Bytes key_id;  // CKA_ID of the key it certifies
  std::string label;
  Bytes der;
  Bytes subject_der;
  Bytes issuer_der;
  Bytes serial_der;
  std::string subject_text;
  int64_t not_before = 0;
  int64_t not_after = 0;
  int64_t created = 0;
};

// One bound hash of one SAD, spent. (kid, jti, hash) is unique: the SAD issuer's key scopes its
// jti namespace.
struct SpentHashRow {
  std::string kid;
  std::string jti;
  Bytes hash;
  Bytes key_id;
  int64_t sad_exp = 0;  // after exp + skew the SAD is refused anyway; the row may then be purged
  int64_t spent_at = 0;
};

class StateStore {
 public:
  virtual ~StateStore() = default;

  virtual Result<std::optional<std::string>> GetMeta(std::string_view name) = 0;
  // Writes once: kAlreadyExists if the name is taken.
  virtual Status InsertMeta(std::string_view name, std::string_view value) = 0;

  virtual Status InsertSigner(const SignerRow& row) = 0;  // kAlreadyExists
  virtual Result<std::optional<SignerRow>> FindSigner(std::string_view name) = 0;
  virtual Result<std::vector<SignerRow>> ListSigners() = 0;

  virtual Status InsertActivationKey(const ActivationKeyRow& row) = 0;  // kAlreadyExists
  virtual Result<std::optional<ActivationKeyRow>> FindActivationKey(std::string_view kid) = 0;
  virtual Result<std::vector<ActivationKeyRow>> ListActivationKeys() = 0;

  // Fills row.handle. kAlreadyExists if the id is taken.
  virtual Status InsertKey(KeyRow& row) = 0;
  virtual Result<std::optional<KeyRow>> FindKeyByHandle(int64_t handle) = 0;
  virtual Result<std::optional<KeyRow>> FindKeyById(const Bytes& id) = 0;
  // Indexed lookups and paging (handle > after, ascending, at most limit rows): the token is
  // designed for a million keys, so nothing loads all of them.
  virtual Result<std::vector<KeyRow>> FindKeysByLabel(std::string_view label, int64_t after,
                                                      size_t limit) = 0;
  virtual Result<std::vector<KeyRow>> ListKeys(int64_t after, size_t limit) = 0;
  virtual Result<std::vector<KeyRow>> ListKeysByOwner(std::string_view owner, int64_t after,
                                                      size_t limit) = 0;

  virtual Status InsertCert(CertRow& row) = 0;  // fills row.handle
  virtual Result<std::optional<CertRow>> FindCertByHandle(int64_t handle) = 0;
  virtual Result<std::vector<CertRow>> FindCertsByKeyId(const Bytes& key_id) = 0;
  virtual Result<std::vector<CertRow>> FindCertsByLabel(std::string_view label, int64_t after,
                                                        size_t limit) = 0;
  virtual Result<std::vector<CertRow>> ListCerts(int64_t after, size_t limit) = 0;

  // Durable (synced) before it returns true. Returns false, and changes nothing, if that hash of
  // that SAD was already spent, by this or any other process.
  virtual Result<bool> InsertSpentHash(const SpentHashRow& row) = 0;
  virtual Result<bool> IsHashSpent(std::string_view kid, std::string_view jti,
                                   const Bytes& hash) = 0;
  // Removes rows whose SAD expired before the given time; returns how many.
  virtual Result<int64_t> PurgeSpentHashes(int64_t sad_exp_before) = 0;
};

// Opens (create=false) or creates (create=true; kAlreadyExists if the file exists) a token file.
// WAL journal, synchronous=FULL, a busy timeout: several processes can use one file at once.
Result<std::unique_ptr<StateStore>> OpenSqliteStateStore(const std::string& path, bool create);

}  // namespace samp11
