// Backup and restore of a token (keystore.h): one sealed image out, the same image back in, with
// what must never go backwards — spent hashes, key and signer statuses — carried over
// from the live file, and SADs issued before the restore refused.
#include <unistd.h>

#include "common/file_io.h"
#include "common/time_text.h"
#include "crypto/digest.h"
#include "keystore/aad.h"
#include "keystore/keystore.h"
#include "keystore/row_mac.h"

namespace samp11 {
namespace {

constexpr char kMetaIdentity[] = "identity";
constexpr char kMetaScryptSalt[] = "scrypt_salt";
constexpr char kMetaSadNotBefore[] = "sad_not_before";
constexpr char kMetaSadNotBeforeMac[] = "sad_not_before_mac";

// The identity of the live token, read without its master key.
Result<std::string> LiveIdentity(StateLocation& location) {
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> store, location.Open());
  SAMP11_ASSIGN_OR_RETURN(std::optional<std::string> identity,
                          store->meta().GetMeta(kMetaIdentity));
  if (!identity) return Status(Code::kConfig, "the keystore has no identity");
  return *identity;
}

}  // namespace

Result<Keystore::BackupReport> Keystore::Backup(const std::string& out_path) {
  SAMP11_RETURN_IF_ERROR(audit_.CheckWritable());
  AuditEvent audit;
  audit.event = audit_event::kBackup;
  auto run = [&]() -> Result<BackupReport> {
    SAMP11_ASSIGN_OR_RETURN(StateImage snapshot, state_->maintenance().Snapshot());
    BackupReport report;
    report.header.identity = context_.identity;
    report.header.label = context_.label;
    report.header.created_at = context_.clock.NowSeconds();
    report.header.schema_version = snapshot.schema_version;
    report.header.audit_last_seq = snapshot.audit_last_seq;
    SAMP11_ASSIGN_OR_RETURN(std::optional<std::string> salt,
                            state_->meta().GetMeta(kMetaScryptSalt));
    report.header.scrypt_salt_hex = salt.value_or("");
    SAMP11_ASSIGN_OR_RETURN(Bytes file,
                            SealBackup(context_.keys.backup, report.header, snapshot.bytes));
    SAMP11_RETURN_IF_ERROR(WriteNewFile(out_path, file.data(), file.size()));
    report.bytes = file.size();
    report.sha256_hex = HexEncode(Digest(HashAlg::kSha256, file));
    return report;
  };
  Result<BackupReport> report = run();
  if (report.ok()) {
    audit.detail = "sha256 " + report->sha256_hex + ", audit up to seq " +
                   std::to_string(report->header.audit_last_seq) + ", to " + out_path;
  }
  SAMP11_RETURN_IF_ERROR(audit_.Record(std::move(audit), report.status()));
  return report;
}

Result<int64_t> Keystore::SadNotBefore() {
  SAMP11_ASSIGN_OR_RETURN(std::optional<std::string> value,
                          state_->meta().GetMeta(kMetaSadNotBefore));
  if (!value) return int64_t{0};
  SAMP11_ASSIGN_OR_RETURN(std::optional<std::string> mac_hex,
                          state_->meta().GetMeta(kMetaSadNotBeforeMac));
  int64_t not_before = 0;
  try {
    not_before = std::stoll(*value);
  } catch (const std::exception&) {
    return Status(Code::kTampered, "the keystore's sad_not_before is malformed");
  }
  std::optional<Bytes> mac = mac_hex ? HexDecode(*mac_hex) : std::nullopt;
  if (!mac) return Status(Code::kTampered, "the keystore's sad_not_before has no MAC");
  SAMP11_RETURN_IF_ERROR(context_.ExplainStaleKey(
      VerifyRowMac(context_.keys.mac, SadNotBeforeMacInput(context_.identity, not_before), *mac,
                   "sad_not_before")));
  return not_before;
}

Status Keystore::SetSadNotBefore(int64_t not_before) {
  SAMP11_ASSIGN_OR_RETURN(Bytes mac,
                          RowMac(context_.keys.mac, SadNotBeforeMacInput(identity(), not_before)));
  // Two writes: between them the value fails its MAC, and every SAD is refused (fail closed) until
  // the caller runs again.
  SAMP11_RETURN_IF_ERROR(state_->meta().SetMeta(kMetaSadNotBefore, std::to_string(not_before)));
  return state_->meta().SetMeta(kMetaSadNotBeforeMac, HexEncode(mac));
}

Result<Keystore::RestoreReport> Keystore::Restore(StateLocation& location,
                                                  const MasterKeySource& master,
                                                  const Bytes& backup_file, bool force,
                                                  const Clock& clock) {
  RestoreReport report;
  SAMP11_ASSIGN_OR_RETURN(report.header, ReadBackupHeader(backup_file));
  Bytes salt;
  if (!report.header.scrypt_salt_hex.empty()) {
    std::optional<Bytes> decoded = HexDecode(report.header.scrypt_salt_hex);
    if (!decoded) return Status(Code::kArgumentsBad, "the backup's scrypt salt is not hex");
    salt = std::move(*decoded);
  }
  SAMP11_ASSIGN_OR_RETURN(SecureBytes master_key, LoadMasterKey(master, salt));
  SAMP11_ASSIGN_OR_RETURN(DerivedKeys keys, DeriveKeys(master_key));
  SAMP11_ASSIGN_OR_RETURN(SecureBytes image, OpenBackup(keys.backup, backup_file));

  // Which state the backup goes into: only its own token's.
  const std::string& where = location.name();
  bool live = location.Exists();
  bool live_readable = false;
  if (live) {
    Result<std::string> identity = LiveIdentity(location);
    if (identity.ok()) {
      if (*identity != report.header.identity) {
        return Status(Code::kArgumentsBad, "the backup is of token " + report.header.identity +
                                               ", the keystore " + where + " is token " +
                                               *identity + ": refused");
      }
      live_readable = true;
    } else if (!force) {
      return Status(identity.status().code(),
                    "the keystore " + where + " cannot be read (" + identity.status().message() +
                        "); --force moves it aside and restores the backup in its place");
    }
  }

  // The image as a state of its own, checked as a keystore before it replaces anything.
  auto discard = [&](Status status) {
    location.DiscardStaged();
    return status;
  };
  int64_t restored_at = clock.NowSeconds();
  {
    SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> staged, location.Stage(image));
    Result<std::unique_ptr<Keystore>> restored = Open(std::move(staged), master, clock);
    if (!restored.ok()) return discard(restored.status());
    Keystore& ks = **restored;
    if (ks.identity() != report.header.identity) {
      return discard(Status(Code::kTampered, "the backup's image is of another token"));
    }
    Result<AuditReport> verified = ks.audit_.Verify();
    if (!verified.ok()) return discard(verified.status());
    if (!verified->ok()) {
      return discard(Status(Code::kTampered, "the backup's audit log does not verify: refused"));
    }
    if (!live_readable) {
      // Without the live state, the replay records of hashes spent since the backup are lost:
      // only SADs issued from now on are taken, so none of those can be presented again.
      report.sad_not_before = restored_at;
      Status set = ks.SetSadNotBefore(report.sad_not_before);
      if (!set.ok()) return discard(set);
    }
  }  // the staged state is let go before it replaces the live one

  const std::string aside_tag = UtcText(restored_at, UtcFormat::kCompact);
  if (live_readable) {
    TombstoneMacs macs;
    macs.key = [&](const KeyRow& row) { return RowMac(keys.mac, KeyStatusMacInput(row)); };
    macs.signer = [&](const SignerRow& row) { return RowMac(keys.mac, SignerStatusMacInput(row)); };
    macs.activation_key = [&](const ActivationKeyRow& row) {
      return RowMac(keys.mac, ActivationKeyMacInput(row));
    };
    Result<ReplaceCounts> carried = location.ReplaceLive(aside_tag, macs, &report.aside_path);
    if (!carried.ok()) return discard(carried.status());
    report.carried = *carried;
  } else {
    // No live state, or (with force) an unreadable one, which is moved aside.
    Status promoted = location.PromoteStaged(aside_tag, &report.aside_path);
    if (!promoted.ok()) return discard(promoted);
  }

  // The state in place opens under master and records what happened.
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> live_store, location.Open());
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> restored,
                          Open(std::move(live_store), master, clock));
  AuditEvent audit;
  audit.event = audit_event::kRestore;
  audit.outcome = audit_outcome::kOk;
  audit.detail =
      "from a backup taken " + UtcText(report.header.created_at) + " (audit up to seq " +
      std::to_string(report.header.audit_last_seq) + "); carried over " +
      std::to_string(report.carried.spent_hashes_merged) + " spent hashes, " +
      std::to_string(report.carried.key_statuses) + " key statuses, " +
      std::to_string(report.carried.signer_statuses) + " signer statuses, " +
      std::to_string(report.carried.activation_keys_removed) + " activation key removals, " +
      std::to_string(report.carried.activation_key_statuses) + " activation key statuses" +
      (report.sad_not_before == 0 ? ""
                                  : "; no live keystore: SADs issued before " +
                                        UtcText(report.sad_not_before) + " refused") +
      (report.aside_path.empty() ? "" : "; replaced contents in " + report.aside_path);
  SAMP11_RETURN_IF_ERROR(restored->audit().Append(audit));
  return report;
}

}  // namespace samp11
