// Keystore creation and opening (token identity, master key check) and signer enrolment.
#include "keystore/keystore.h"

#include <ctime>
#include <utility>

#include "crypto/random.h"
#include "crypto/symmetric.h"
#include "keystore/aad.h"
#include "keystore/row_mac.h"

namespace samp11 {
namespace {

constexpr size_t kMaxTokenLabel = 32;  // CK_TOKEN_INFO.label
constexpr size_t kMaxSignerName = 255;
constexpr size_t kIdentityBytes = 16;
constexpr size_t kSaltBytes = 16;

// Meta rows written once at creation; master_check is written last, so its presence says the
// creation finished.
constexpr char kMetaIdentity[] = "identity";
constexpr char kMetaLabel[] = "label";
constexpr char kMetaCreated[] = "created";
constexpr char kMetaScryptSalt[] = "scrypt_salt";
constexpr char kMetaMasterCheck[] = "master_check";

Result<Bytes> MasterCheck(const DerivedKeys& keys, const std::string& identity) {
  return HmacSha256(keys.check, MasterCheckInput(identity));
}

Result<std::string> RequiredMeta(StateStore& store, const char* name) {
  SAMP11_ASSIGN_OR_RETURN(std::optional<std::string> value, store.GetMeta(name));
  if (!value) {
    return Status(Code::kConfig, std::string("the keystore has no '") + name +
                                     "' (was its creation interrupted?)");
  }
  return std::move(*value);
}

}  // namespace

const char* RoleName(ActivationKeyRole role) {
  switch (role) {
    case ActivationKeyRole::kDevice:
      return "device";
    case ActivationKeyRole::kAuthorizationServer:
      return "authorization-server";
  }
  return "unknown";
}

Keystore::Keystore(std::unique_ptr<StateStore> state, DerivedKeys keys, std::string identity,
                   std::string label)
    : state_(std::move(state)),
      keys_(std::move(keys)),
      identity_(std::move(identity)),
      label_(std::move(label)) {
  AddBackend(MakeFileKeyBackend());
}

Result<std::unique_ptr<Keystore>> Keystore::Create(const std::string& path,
                                                   const MasterKeySource& master,
                                                   const std::string& label) {
  if (label.empty() || label.size() > kMaxTokenLabel) {
    return Status(Code::kArgumentsBad, "the token label must be 1 to 32 bytes");
  }
  SAMP11_ASSIGN_OR_RETURN(Bytes identity_bytes, RandomBytes(kIdentityBytes));
  std::string identity = HexEncode(identity_bytes);
  // The salt must exist before a passphrase can become a key, so it is made here and stored.
  Bytes salt;
  if (master.kind == MasterKeySource::Kind::kPassphraseEnv) {
    SAMP11_ASSIGN_OR_RETURN(salt, RandomBytes(kSaltBytes));
  }
  // The master key is loaded before the file is created: a missing key leaves nothing behind.
  SAMP11_ASSIGN_OR_RETURN(SecureBytes master_key, LoadMasterKey(master, salt));
  SAMP11_ASSIGN_OR_RETURN(DerivedKeys keys, DeriveKeys(master_key));
  SAMP11_ASSIGN_OR_RETURN(Bytes check, MasterCheck(keys, identity));

  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> store, OpenSqliteStateStore(path, true));
  SAMP11_RETURN_IF_ERROR(store->InsertMeta(kMetaIdentity, identity));
  SAMP11_RETURN_IF_ERROR(store->InsertMeta(kMetaLabel, label));
  SAMP11_RETURN_IF_ERROR(
      store->InsertMeta(kMetaCreated, std::to_string(static_cast<int64_t>(std::time(nullptr)))));
  if (!salt.empty()) SAMP11_RETURN_IF_ERROR(store->InsertMeta(kMetaScryptSalt, HexEncode(salt)));
  SAMP11_RETURN_IF_ERROR(store->InsertMeta(kMetaMasterCheck, HexEncode(check)));
  auto keystore = std::unique_ptr<Keystore>(
      new Keystore(std::move(store), std::move(keys), std::move(identity), label));
  keystore->master_check_hex_ = HexEncode(check);
  keystore->path_ = path;
  SAMP11_RETURN_IF_ERROR(keystore->LoadPinKey());
  SAMP11_RETURN_IF_ERROR(keystore->FinishLifecycleMigration());  // marks the file as current
  return keystore;
}

Result<std::unique_ptr<Keystore>> Keystore::Open(const std::string& path,
                                                 const MasterKeySource& master) {
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> store, OpenSqliteStateStore(path, false));
  SAMP11_ASSIGN_OR_RETURN(std::string identity, RequiredMeta(*store, kMetaIdentity));
  SAMP11_ASSIGN_OR_RETURN(std::string label, RequiredMeta(*store, kMetaLabel));
  SAMP11_ASSIGN_OR_RETURN(std::string check_hex, RequiredMeta(*store, kMetaMasterCheck));
  std::optional<Bytes> stored_check = HexDecode(check_hex);
  if (!stored_check) return Status(Code::kConfig, "the keystore's master_check is malformed");

  Bytes salt;
  SAMP11_ASSIGN_OR_RETURN(std::optional<std::string> salt_hex, store->GetMeta(kMetaScryptSalt));
  if (salt_hex) {
    std::optional<Bytes> decoded = HexDecode(*salt_hex);
    if (!decoded || decoded->empty()) {
      return Status(Code::kConfig, "the keystore's scrypt_salt is malformed");
    }
    salt = std::move(*decoded);
  } else if (master.kind == MasterKeySource::Kind::kPassphraseEnv) {
    return Status(Code::kConfig,
                  "keystore " + path + " was created with a master key file, not a passphrase");
  }

  SAMP11_ASSIGN_OR_RETURN(SecureBytes master_key, LoadMasterKey(master, salt));
  SAMP11_ASSIGN_OR_RETURN(DerivedKeys keys, DeriveKeys(master_key));
  SAMP11_ASSIGN_OR_RETURN(Bytes check, MasterCheck(keys, identity));
  if (!ConstantTimeEqual(check, *stored_check)) {
    return Status(Code::kConfig, "master key does not match this keystore (" + path + ")");
  }
  auto keystore = std::unique_ptr<Keystore>(
      new Keystore(std::move(store), std::move(keys), std::move(identity), std::move(label)));
  keystore->master_check_hex_ = HexEncode(check);
  keystore->path_ = path;
  SAMP11_RETURN_IF_ERROR(keystore->LoadPinKey());
  SAMP11_RETURN_IF_ERROR(keystore->FinishLifecycleMigration());
  return keystore;
}

Status Keystore::AddSigner(const std::string& name) {
  SAMP11_RETURN_IF_ERROR(CheckAuditWritable());
  auto add = [&]() -> Status {
    if (name.empty() || name.size() > kMaxSignerName) {
      return Status(Code::kArgumentsBad, "a signer name must be 1 to 255 bytes");
    }
    SignerRow row;
    row.name = name;
    row.created = static_cast<int64_t>(std::time(nullptr));
    row.status_changed = row.created;
    SAMP11_ASSIGN_OR_RETURN(row.mac, RowMac(keys_.mac, SignerMacInput(row)));
    SAMP11_ASSIGN_OR_RETURN(row.status_mac, RowMac(keys_.mac, SignerStatusMacInput(row)));
    return state_->InsertSigner(row);
  };
  AuditEvent audit;
  audit.event = audit_event::kSignerAdd;
  audit.signer = name;
  return AuditResult(std::move(audit), add());
}

Result<bool> Keystore::SignerExists(const std::string& name) {
  Result<SignerRow> row = CheckedSignerRow(name);
  if (!row.ok()) {
    if (row.status().code() == Code::kNotFound) return false;
    return row.status();
  }
  // A disabled signer is still enrolled (its SADs verify, its keys refuse to sign); a removed one
  // is not.
  return row->status != signer_status::kRemoved;
}

Result<std::vector<std::string>> Keystore::ListSigners() {
  SAMP11_ASSIGN_OR_RETURN(std::vector<SignerRow> rows, state_->ListSigners());
  std::vector<std::string> names;
  names.reserve(rows.size());
  for (SignerRow& row : rows) {
    SAMP11_RETURN_IF_ERROR(
        VerifyRowMac(keys_.mac, SignerMacInput(row), row.mac, "signer '" + row.name + "'"));
    if (row.status == signer_status::kRemoved) continue;
    names.push_back(std::move(row.name));
  }
  return names;
}

}  // namespace samp11
