// Backup and restore of a token (keystore.h): one sealed image out, the same image back in, with
// what must never go backwards — spent hashes, key and signer statuses — carried over
// from the live file, and SADs issued before the restore refused.
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "common/time_text.h"
#include "crypto/digest.h"
#include "keystore/aad.h"
#include "keystore/keystore.h"
#include "keystore/row_mac.h"
#include "keystore/sqlite_backup.h"

namespace samp11 {
namespace {

constexpr char kMetaIdentity[] = "identity";
constexpr char kMetaScryptSalt[] = "scrypt_salt";
constexpr char kMetaSadNotBefore[] = "sad_not_before";
constexpr char kMetaSadNotBeforeMac[] = "sad_not_before_mac";

void RemoveDatabaseFiles(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) ::unlink((path + suffix).c_str());
}

// Moves a database file and its WAL/SHM companions to aside.
Status MoveDatabaseFiles(const std::string& from, const std::string& to) {
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::string source = from + suffix;
    if (!std::filesystem::exists(source)) continue;
    if (std::rename(source.c_str(), (to + suffix).c_str()) != 0) {
      return Status(Code::kStorage, "cannot move " + source + " aside");
    }
  }
  return Status::Ok();
}

// The identity of the token at path, read without its master key; kNotFound if there is no file.
Result<std::string> LiveIdentity(const std::string& path) {
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> store, OpenSqliteStateStore(path, false));
  SAMP11_ASSIGN_OR_RETURN(std::optional<std::string> identity, store->GetMeta(kMetaIdentity));
  if (!identity) return Status(Code::kConfig, "the keystore has no identity");
  return *identity;
}

}  // namespace

Result<Keystore::BackupReport> Keystore::Backup(const std::string& out_path) {
  SAMP11_RETURN_IF_ERROR(CheckAuditWritable());
  AuditEvent audit;
  audit.event = audit_event::kBackup;
  auto run = [&]() -> Result<BackupReport> {
    SAMP11_ASSIGN_OR_RETURN(Snapshot snapshot, SnapshotDatabase(path_));
    BackupReport report;
    report.header.identity = identity_;
    report.header.label = label_;
    report.header.created_at = audit_clock_->NowSeconds();
    report.header.schema_version = snapshot.schema_version;
    report.header.audit_last_seq = snapshot.audit_last_seq;
    SAMP11_ASSIGN_OR_RETURN(std::optional<std::string> salt, state_->GetMeta(kMetaScryptSalt));
    report.header.scrypt_salt_hex = salt.value_or("");
    SAMP11_ASSIGN_OR_RETURN(Bytes file, SealBackup(keys_.backup, report.header, snapshot.image));
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
  SAMP11_RETURN_IF_ERROR(AuditResult(std::move(audit), report.status()));
  return report;
}

Result<int64_t> Keystore::SadNotBefore() {
  SAMP11_ASSIGN_OR_RETURN(std::optional<std::string> value, state_->GetMeta(kMetaSadNotBefore));
  if (!value) return int64_t{0};
  SAMP11_ASSIGN_OR_RETURN(std::optional<std::string> mac_hex,
                          state_->GetMeta(kMetaSadNotBeforeMac));
  int64_t not_before = 0;
  try {
    not_before = std::stoll(*value);
  } catch (const std::exception&) {
    return Status(Code::kTampered, "the keystore's sad_not_before is malformed");
  }
  std::optional<Bytes> mac = mac_hex ? HexDecode(*mac_hex) : std::nullopt;
  if (!mac) return Status(Code::kTampered, "the keystore's sad_not_before has no MAC");
  SAMP11_RETURN_IF_ERROR(ExplainStaleKey(VerifyRowMac(
      keys_.mac, SadNotBeforeMacInput(identity_, not_before), *mac, "sad_not_before")));
  return not_before;
}

Result<Keystore::RestoreReport> Keystore::Restore(const std::string& path,
                                                  const MasterKeySource& master,
                                                  const Bytes& backup_file, bool force) {
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

  // Which file the backup goes into: only its own token's.
  bool live = std::filesystem::exists(path);
  bool live_readable = false;
  if (live) {
    Result<std::string> identity = LiveIdentity(path);
    if (identity.ok()) {
      if (*identity != report.header.identity) {
        return Status(Code::kArgumentsBad, "the backup is of token " + report.header.identity +
                                               ", the keystore " + path + " is token " + *identity +
                                               ": refused");
      }
      live_readable = true;
    } else if (!force) {
      return Status(identity.status().code(),
                    "the keystore " + path + " cannot be read (" + identity.status().message() +
                        "); --force moves it aside and restores the backup in its place");
    }
  }

  // The image as a keystore file of its own, checked as a keystore before it replaces anything.
  const std::string restoring = path + ".restoring";
  RemoveDatabaseFiles(restoring);  // left by an interrupted restore: ours, never live
  SAMP11_RETURN_IF_ERROR(WriteNewFile(restoring, image.data(), image.size()));
  auto discard = [&](Status status) {
    RemoveDatabaseFiles(restoring);
    return status;
  };
  int64_t restored_at = 0;
  {
    Result<std::unique_ptr<Keystore>> restored = Open(restoring, master);
    if (!restored.ok()) return discard(restored.status());
    Keystore& ks = **restored;
    if (ks.identity() != report.header.identity) {
      return discard(Status(Code::kTampered, "the backup's image is of another token"));
    }
    Result<AuditReport> verified = ks.VerifyAudit();
    if (!verified.ok()) return discard(verified.status());
    if (!verified->ok()) {
      return discard(Status(Code::kTampered, "the backup's audit log does not verify: refused"));
    }
    restored_at = ks.audit_clock_->NowSeconds();
    if (!live_readable) {
      // Without the live file, the replay records of hashes spent since the backup are lost:
      // only SADs issued from now on are taken, so none of those can be presented again.
      report.sad_not_before = restored_at;
      Result<Bytes> mac =
          RowMac(ks.keys_.mac, SadNotBeforeMacInput(ks.identity_, report.sad_not_before));
      if (!mac.ok()) return discard(mac.status());
      Status set = ks.state_->SetMeta(kMetaSadNotBefore, std::to_string(report.sad_not_before));
      if (set.ok()) set = ks.state_->SetMeta(kMetaSadNotBeforeMac, HexEncode(*mac));
      if (!set.ok()) return discard(set);
    }
  }  // closing the last connection folds the WAL into the file

  if (live && live_readable) {
    report.aside_path = path + ".before-restore-" + UtcText(restored_at, UtcFormat::kCompact);
    TombstoneMacs macs;
    macs.key = [&](const KeyRow& row) { return RowMac(keys.mac, KeyStatusMacInput(row)); };
    macs.signer = [&](const SignerRow& row) { return RowMac(keys.mac, SignerStatusMacInput(row)); };
    Result<ReplaceCounts> carried =
        ReplaceDatabaseContents(path, restoring, report.aside_path, macs);
    if (!carried.ok()) {
      RemoveDatabaseFiles(report.aside_path);
      return discard(carried.status());
    }
    report.carried = *carried;
    RemoveDatabaseFiles(restoring);
  } else {
    if (live) {  // unreadable, and force was given
      report.aside_path = path + ".before-restore-" + UtcText(restored_at, UtcFormat::kCompact);
      Status moved = MoveDatabaseFiles(path, report.aside_path);
      if (!moved.ok()) return discard(moved);
    }
    if (std::rename(restoring.c_str(), path.c_str()) != 0) {
      return discard(Status(Code::kStorage, "cannot move the restored keystore to " + path));
    }
  }

  // The file in place opens under master and records what happened.
  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<Keystore> restored, Open(path, master));
  AuditEvent audit;
  audit.event = audit_event::kRestore;
  audit.outcome = audit_outcome::kOk;
  audit.detail = "from a backup taken " + UtcText(report.header.created_at) + " (audit up to seq " +
                 std::to_string(report.header.audit_last_seq) + "); carried over " +
                 std::to_string(report.carried.spent_hashes_merged) + " spent hashes, " +
                 std::to_string(report.carried.key_statuses) + " key statuses, " +
                 std::to_string(report.carried.signer_statuses) + " signer statuses" +
                 (report.sad_not_before == 0 ? ""
                                             : "; no live keystore: SADs issued before " +
                                                   UtcText(report.sad_not_before) + " refused") +
                 (report.aside_path.empty() ? "" : "; replaced contents in " + report.aside_path);
  SAMP11_RETURN_IF_ERROR(restored->Audit(audit));
  return report;
}

}  // namespace samp11
