// Master-key rotation: every wrapped key and every MAC of the token, the audit log's included,
// rewritten under a new master key in one atomic write (MaintenanceStore::Rekey), so that an
// interruption at any point leaves a file that opens with the old key or with the new one.
#include <unistd.h>

#include <utility>

#include "crypto/random.h"
#include "crypto/symmetric.h"
#include "keystore/aad.h"
#include "keystore/audit_chain.h"
#include "keystore/keystore.h"
#include "keystore/pin_hash.h"
#include "keystore/row_mac.h"

namespace samp11 {
namespace {

constexpr char kMetaMasterCheck[] = "master_check";
constexpr char kMetaScryptSalt[] = "scrypt_salt";
constexpr char kMetaPinKey[] = "pin_key";
constexpr size_t kSaltBytes = 16;

// The PIN key, wrapped under a master key, is bound to its token and purpose.
Bytes PinKeyAad(const std::string& identity) {
  return CanonicalEncoder().Add("pin-key-v1").Add(identity).bytes();
}

// Checks mac under the old key, then returns the MAC of the same input under the new one.
Result<Bytes> Remac(const SecureBytes& old_key, const SecureBytes& new_key, const Bytes& input,
                    const Bytes& mac, const std::string& row) {
  SAMP11_RETURN_IF_ERROR(VerifyRowMac(old_key, input, mac, row));
  return RowMac(new_key, input);
}

}  // namespace

Status Keystore::LoadPinKey() {
  SAMP11_ASSIGN_OR_RETURN(std::optional<std::string> wrapped_hex,
                          state_->meta().GetMeta(kMetaPinKey));
  if (!wrapped_hex) {  // never rotated: derived from this master key, as when the PINs were set
    SAMP11_ASSIGN_OR_RETURN(context_.pin_key, PinHashKey(context_.keys.mac));
    return Status::Ok();
  }
  std::optional<Bytes> wrapped = HexDecode(*wrapped_hex);
  if (!wrapped) return Status(Code::kTampered, "the keystore's pin_key is malformed");
  Result<SecureBytes> key = AeadOpen(context_.keys.wrap, PinKeyAad(context_.identity), *wrapped);
  if (!key.ok())
    return Status(Code::kTampered, "the keystore's pin_key failed its integrity check");
  context_.pin_key = std::move(*key);
  return Status::Ok();
}

Status KeystoreContext::ExplainStaleKey(Status status) const {
  if (status.ok() || status.code() != Code::kTampered) return status;
  Result<std::optional<std::string>> check = state.meta().GetMeta(kMetaMasterCheck);
  if (!check.ok() || !check->has_value() || **check == master_check_hex) return status;
  return Status(Code::kConfig,
                "the keystore's master key was rotated since this process opened it: restart "
                "with the new master key");
}

Status Keystore::RotateUnaudited(const MasterKeySource& new_master) {
  // A log that does not verify is evidence: re-MACing it would make it look intact.
  SAMP11_ASSIGN_OR_RETURN(AuditReport report, audit_.Verify());
  if (!report.ok()) {
    return Status(Code::kTampered,
                  "the audit log does not verify; nothing rotated (run `samp11 audit verify`)");
  }
  Bytes salt;
  if (new_master.kind == MasterKeySource::Kind::kPassphraseEnv) {
    SAMP11_ASSIGN_OR_RETURN(salt, RandomBytes(kSaltBytes));
  }
  SAMP11_ASSIGN_OR_RETURN(SecureBytes master_key, LoadMasterKey(new_master, salt));
  SAMP11_ASSIGN_OR_RETURN(DerivedKeys next, DeriveKeys(master_key));
  SAMP11_ASSIGN_OR_RETURN(
      Bytes check,
      HmacSha256(next.check, MasterCheckInput(context_.identity, context_.audit_anchored)));
  if (HexEncode(check) == context_.master_check_hex) {
    return Status(Code::kArgumentsBad, "the new master key is the current one");
  }
  SAMP11_ASSIGN_OR_RETURN(Bytes pin_key_wrapped,
                          AeadSeal(next.wrap, PinKeyAad(context_.identity), context_.pin_key.data(),
                                   context_.pin_key.size()));

  const DerivedKeys& old = context_.keys;
  RekeyPlan plan;
  plan.signer = [&](SignerRow& row) -> Status {
    const std::string name = "signer '" + row.name + "'";
    SAMP11_ASSIGN_OR_RETURN(row.mac, Remac(old.mac, next.mac, SignerMacInput(row), row.mac, name));
    SAMP11_ASSIGN_OR_RETURN(row.status_mac, Remac(old.mac, next.mac, SignerStatusMacInput(row),
                                                  row.status_mac, "the status of " + name));
    return Status::Ok();
  };
  plan.activation_key = [&](ActivationKeyRow& row) -> Status {
    SAMP11_ASSIGN_OR_RETURN(row.mac, Remac(old.mac, next.mac, ActivationKeyMacInput(row), row.mac,
                                           "activation key '" + row.kid + "'"));
    return Status::Ok();
  };
  plan.key = [&](KeyRow& row) -> Status {
    const std::string name = "key " + HexEncode(row.id);
    SAMP11_ASSIGN_OR_RETURN(row.status_mac, Remac(old.mac, next.mac, KeyStatusMacInput(row),
                                                  row.status_mac, "the status of " + name));
    if (row.wrapped_private.empty()) return Status::Ok();  // destroyed: nothing left to wrap
    Result<SecureBytes> material = AeadOpen(old.wrap, KeyWrapAad(row), row.wrapped_private);
    if (!material.ok()) {
      return Status(Code::kTampered, name + " failed its integrity check; nothing rotated");
    }
    SAMP11_ASSIGN_OR_RETURN(row.wrapped_private, AeadSeal(next.wrap, KeyWrapAad(row),
                                                          material->data(), material->size()));
    return Status::Ok();
  };
  plan.cert = [&](CertRow& row) -> Status {
    SAMP11_ASSIGN_OR_RETURN(row.mac, Remac(old.mac, next.mac, CertMacInput(row), row.mac,
                                           "a certificate of key " + HexEncode(row.key_id)));
    return Status::Ok();
  };
  plan.pin = [&](SignerPinRow& row) -> Status {
    SAMP11_ASSIGN_OR_RETURN(row.mac, Remac(old.mac, next.mac, SignerPinMacInput(row), row.mac,
                                           "the PIN of signer '" + row.name + "'"));
    return Status::Ok();
  };
  plan.subject = [&](SignerSubjectRow& row) -> Status {
    SAMP11_ASSIGN_OR_RETURN(row.mac,
                            Remac(old.mac, next.mac, SignerSubjectMacInput(row), row.mac,
                                  "subject '" + row.subject + "' of issuer '" + row.issuer + "'"));
    return Status::Ok();
  };
  plan.otp = [&](SignerOtpRow& row) -> Status {
    Result<SecureBytes> secret = AeadOpen(old.wrap, OtpWrapAad(row), row.wrapped_secret);
    if (!secret.ok()) {
      return Status(Code::kTampered, "the " + row.kind + " enrolment of signer '" + row.name +
                                         "' failed its integrity check; nothing rotated");
    }
    SAMP11_ASSIGN_OR_RETURN(row.wrapped_secret,
                            AeadSeal(next.wrap, OtpWrapAad(row), secret->data(), secret->size()));
    return Status::Ok();
  };
  plan.audit_row = [&](AuditRow& row) -> Status {
    SAMP11_ASSIGN_OR_RETURN(Bytes mac, AuditRecordMac(old.audit, row.seq, row.chain));
    if (!ConstantTimeEqual(mac, row.mac)) {
      return Status(Code::kTampered, "audit record " + std::to_string(row.seq) +
                                         " failed its check; nothing rotated");
    }
    SAMP11_ASSIGN_OR_RETURN(row.mac, AuditRecordMac(next.audit, row.seq, row.chain));
    return Status::Ok();
  };
  plan.audit_head = [&](AuditHeadRow& head) -> Status {
    SAMP11_ASSIGN_OR_RETURN(Bytes mac, AuditHeadMac(old.audit, head.seq, head.chain));
    if (!ConstantTimeEqual(mac, head.mac)) {
      return Status(Code::kTampered, "the audit log's head failed its check; nothing rotated");
    }
    SAMP11_ASSIGN_OR_RETURN(head.mac, AuditHeadMac(next.audit, head.seq, head.chain));
    return Status::Ok();
  };
  // The restore cut-off (keystore_backup.cc) is MAC'd too: checked, then re-made.
  SAMP11_ASSIGN_OR_RETURN(int64_t sad_not_before, SadNotBefore());
  std::optional<std::string> sad_not_before_mac;
  if (sad_not_before != 0) {
    SAMP11_ASSIGN_OR_RETURN(
        Bytes mac, RowMac(next.mac, SadNotBeforeMacInput(context_.identity, sad_not_before)));
    sad_not_before_mac = HexEncode(mac);
  }
  plan.meta = {{kMetaMasterCheck, HexEncode(check)},
               {"sad_not_before_mac", sad_not_before_mac},
               {kMetaScryptSalt, salt.empty() ? std::nullopt : std::optional(HexEncode(salt))},
               {kMetaPinKey, HexEncode(pin_key_wrapped)}};
  AuditRow record;
  record.at = context_.clock.NowSeconds();
  record.pid = static_cast<int64_t>(::getpid());
  record.event = audit_event::kMasterKeyRotate;
  record.outcome = audit_outcome::kOk;
  record.detail =
      new_master.kind == MasterKeySource::Kind::kKeyFile ? "to a key file" : "to a passphrase";
  AuditLink link;
  plan.append = [&](const AuditTail& tail) -> Result<AuditAppend> {
    SAMP11_ASSIGN_OR_RETURN(AuditAppend append, audit_.MakeAppend(next.audit, record, tail));
    link = audit_.LinkOf(tail, append);
    return append;
  };

  SAMP11_RETURN_IF_ERROR(state_->maintenance().Rekey(plan));
  // From here on this object speaks with the new key; the caches hold nothing key-dependent.
  context_.keys = std::move(next);
  context_.master_check_hex = HexEncode(check);
  // The rotation is durable; a rollback found now was there before it (chain values do not
  // depend on the key, so the anchor carries over).
  return audit_.AfterWrite(link, true);
}

Status Keystore::RotateMasterKey(const MasterKeySource& new_master) {
  SAMP11_RETURN_IF_ERROR(audit_.CheckWritable());
  Status rotated = RotateUnaudited(new_master);
  if (rotated.ok()) return rotated;  // its record was written in the same transaction
  AuditEvent audit;
  audit.event = audit_event::kMasterKeyRotate;
  return audit_.Record(std::move(audit), rotated);
}

}  // namespace samp11
