// Keystore creation and opening (token identity, master key check) and signer enrolment.
#include "keystore/keystore.h"

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

Result<std::string> RequiredMeta(MetaStore& meta, const char* name) {
  SAMP11_ASSIGN_OR_RETURN(std::optional<std::string> value, meta.GetMeta(name));
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
                   std::string label, const Clock& clock)
    : state_(std::move(state)),
      clock_(clock),
      keys_(std::move(keys)),
      identity_(std::move(identity)),
      label_(std::move(label)) {
  AddBackend(MakeFileKeyBackend());
}

Result<std::unique_ptr<Keystore>> Keystore::Create(StateLocation& location,
                                                   const MasterKeySource& master,
                                                   const std::string& label, const Clock& clock) {
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
  // The master key is loaded before the state is made: a missing key leaves nothing behind.
  SAMP11_ASSIGN_OR_RETURN(SecureBytes master_key, LoadMasterKey(master, salt));
  SAMP11_ASSIGN_OR_RETURN(DerivedKeys keys, DeriveKeys(master_key));
  SAMP11_ASSIGN_OR_RETURN(Bytes check, MasterCheck(keys, identity));

  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> store, location.Create());
  MetaStore& meta = store->meta();
  SAMP11_RETURN_IF_ERROR(meta.InsertMeta(kMetaIdentity, identity));
  SAMP11_RETURN_IF_ERROR(meta.InsertMeta(kMetaLabel, label));
  SAMP11_RETURN_IF_ERROR(meta.InsertMeta(kMetaCreated, std::to_string(clock.NowSeconds())));
  if (!salt.empty()) SAMP11_RETURN_IF_ERROR(meta.InsertMeta(kMetaScryptSalt, HexEncode(salt)));
  SAMP11_RETURN_IF_ERROR(meta.InsertMeta(kMetaMasterCheck, HexEncode(check)));
  auto keystore = std::unique_ptr<Keystore>(
      new Keystore(std::move(store), std::move(keys), std::move(identity), label, clock));
  keystore->master_check_hex_ = HexEncode(check);
  SAMP11_RETURN_IF_ERROR(keystore->LoadPinKey());
  SAMP11_RETURN_IF_ERROR(keystore->FinishLifecycleMigration());  // marks the state as current
  return keystore;
}

Result<std::unique_ptr<Keystore>> Keystore::Open(std::unique_ptr<StateStore> store,
                                                 const MasterKeySource& master,
                                                 const Clock& clock) {
  MetaStore& meta = store->meta();
  SAMP11_ASSIGN_OR_RETURN(std::string identity, RequiredMeta(meta, kMetaIdentity));
  SAMP11_ASSIGN_OR_RETURN(std::string label, RequiredMeta(meta, kMetaLabel));
  SAMP11_ASSIGN_OR_RETURN(std::string check_hex, RequiredMeta(meta, kMetaMasterCheck));
  std::optional<Bytes> stored_check = HexDecode(check_hex);
  if (!stored_check) return Status(Code::kConfig, "the keystore's master_check is malformed");

  Bytes salt;
  SAMP11_ASSIGN_OR_RETURN(std::optional<std::string> salt_hex, meta.GetMeta(kMetaScryptSalt));
  if (salt_hex) {
    std::optional<Bytes> decoded = HexDecode(*salt_hex);
    if (!decoded || decoded->empty()) {
      return Status(Code::kConfig, "the keystore's scrypt_salt is malformed");
    }
    salt = std::move(*decoded);
  } else if (master.kind == MasterKeySource::Kind::kPassphraseEnv) {
    return Status(Code::kConfig,
                  "the keystore was created with a master key file, not a passphrase");
  }

  SAMP11_ASSIGN_OR_RETURN(SecureBytes master_key, LoadMasterKey(master, salt));
  SAMP11_ASSIGN_OR_RETURN(DerivedKeys keys, DeriveKeys(master_key));
  SAMP11_ASSIGN_OR_RETURN(Bytes check, MasterCheck(keys, identity));
  if (!ConstantTimeEqual(check, *stored_check)) {
    return Status(Code::kConfig, "master key does not match this keystore");
  }
  auto keystore = std::unique_ptr<Keystore>(new Keystore(
      std::move(store), std::move(keys), std::move(identity), std::move(label), clock));
  keystore->master_check_hex_ = HexEncode(check);
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
    row.created = clock_.NowSeconds();
    row.status_changed = row.created;
    SAMP11_ASSIGN_OR_RETURN(row.mac, RowMac(keys_.mac, SignerMacInput(row)));
    SAMP11_ASSIGN_OR_RETURN(row.status_mac, RowMac(keys_.mac, SignerStatusMacInput(row)));
    return state_->signers().InsertSigner(row);
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
  SAMP11_ASSIGN_OR_RETURN(std::vector<SignerRow> rows, state_->signers().ListSigners());
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
