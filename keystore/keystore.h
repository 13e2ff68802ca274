// A token's keystore: its durable state (state/state_store.h), authenticated and decrypted under
// the master key, as parts that each keep one thing: the audit log, the signers, the signing keys,
// their certificates, the replay ledger, the activation requests and the PINs. The keystore
// decides nothing about SADs; the SAM does. Whole-token operations live here: creation and
// opening, master-key rotation, backup and restore.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/status.h"
#include "keystore/activation_requests.h"
#include "keystore/audit_checkpoint.h"
#include "keystore/audit_checkpointer.h"
#include "keystore/audit_log.h"
#include "keystore/backup_file.h"
#include "keystore/certificates.h"
#include "keystore/checkpoint_sink.h"
#include "keystore/contents_check.h"
#include "keystore/keystore_context.h"
#include "keystore/master_key.h"
#include "keystore/replay_ledger.h"
#include "keystore/rollback_anchor.h"
#include "keystore/rollback_guard.h"
#include "keystore/signer_otp.h"
#include "keystore/signer_pins.h"
#include "keystore/signers.h"
#include "keystore/signing_keys.h"
#include "state/state_location.h"
#include "state/state_store.h"

namespace samp11 {

class Keystore {
 public:
  // Makes a new token at location: its state, identity and label. The master key must already
  // exist (key file) or the passphrase be set; both it and label (the CK_TOKEN_INFO label, 1 to
  // 32 bytes) are checked before anything is made. clock stamps every time the keystore records.
  static Result<std::unique_ptr<Keystore>> Create(StateLocation& location,
                                                  const MasterKeySource& master,
                                                  const std::string& label,
                                                  const Clock& clock = DefaultClock());
  // Opens the token in store; a wrong master key is kConfig with a clear message.
  static Result<std::unique_ptr<Keystore>> Open(std::unique_ptr<StateStore> store,
                                                const MasterKeySource& master,
                                                const Clock& clock = DefaultClock());
  Keystore(const Keystore&) = delete;
  Keystore& operator=(const Keystore&) = delete;

  const std::string& identity() const { return context_.identity; }  // the SAD `aud`
  const std::string& label() const { return context_.label; }
  const Clock& clock() const { return context_.clock; }

  AuditLog& audit() { return audit_; }
  Signers& signers() { return signers_; }
  SigningKeys& keys() { return keys_; }
  Certificates& certs() { return certs_; }
  ReplayLedger& replay() { return replay_; }
  ActivationRequests& requests() { return requests_; }
  SignerPins& pins() { return pins_; }
  SignerOtp& otp() { return otp_; }

  // Removes a signer (Signers::RemoveSigner); refused while the signer has keys that are not
  // destroyed, unless destroy_keys, which destroys them first, each audited.
  Status RemoveSigner(const std::string& name, bool destroy_keys, const std::string& reason);

  // Master-key rotation (rotate_master_key.cc): re-wraps every key and re-MACs every row, the
  // audit log included, under the key new_master gives, in one atomic write, with its own audit
  // record; this object then uses the new key, and the old one no longer opens the token.
  // Refused, with nothing changed, if the audit log does not verify or any row fails its check
  // (a rotation never launders a tampered row). Other processes still on the old key fail closed
  // (kConfig, "the master key was rotated") until restarted with the new one.
  Status RotateMasterKey(const MasterKeySource& new_master);

  // Backup and restore (keystore_backup.cc). Backup writes, at out_path (mode 0600, never over
  // an existing file), one image of the token taken at one instant (MaintenanceStore::Snapshot),
  // sealed under the backup key; audited. Restore (below) puts it back.
  struct BackupReport {
    BackupHeader header;
    size_t bytes = 0;
    std::string sha256_hex;  // of the file, also in the audit record
  };
  Result<BackupReport> Backup(const std::string& out_path);
  struct RestoreReport {
    BackupHeader header;
    std::string aside_path;      // the token's contents before the restore, or empty
    ReplaceCounts carried;       // from the live state into the restored one
    int64_t sad_not_before = 0;  // set when there was no readable live state (else 0)
  };
  // Restores backup_file into the token state at location under master (the master key the
  // backup was made under). Refused, with nothing changed: a file that is not a samp11 backup
  // (kArgumentsBad), a changed byte or another master key (kTampered), another token's backup
  // (kArgumentsBad), an image whose audit log does not verify (kTampered). A live state that
  // cannot be read is moved aside only with force. Without a readable live state to take spent
  // hashes from, SADs issued before the restore are refused from then on.
  static Result<RestoreReport> Restore(StateLocation& location, const MasterKeySource& master,
                                       const Bytes& backup_file, bool force,
                                       const Clock& clock = DefaultClock());
  // Migration (keystore_migrate.cc, `samp11 migrate`): copies this token's whole state into target,
  // which must hold nothing (another implementation: a keystore file to a PostgreSQL schema and
  // back). Every row of this state is checked first (CheckContents: MACs, wrappings, every audit
  // chain); any problem refuses it, naming what failed, with nothing written at target. The rows
  // go through StateLocation::StageContents; the copy is opened under master, gets its `migrate`
  // record (origin: where it comes from and who moves it, never a secret) in its own chain, is
  // checked the same way and compared with this state (every table, the handles, every carried
  // chain's head), and this state is read again: a change meanwhile (a process that wrote to it)
  // refuses it. Only then does the copy take its place. This state is never changed.
  // Audit chains: all where the target holds node chains (HoldsNodeChains); else only the
  // token's one chain, if this state has it, and the chains of nodes are left here, their heads
  // bound into the migrate record. Not carried: pending activation requests.
  struct MigrateReport {
    ContentsFindings copied;                         // what this state held, as checked
    std::vector<std::string> chains_carried;         // by name ("": the keystore file's)
    std::map<std::string, AnchorPoint> chains_left;  // left here: the target holds one chain
    std::string target_chain;    // the chain the copy appends to ("" for a file)
    int64_t migrate_record = 0;  // the migrate record's seq in it
  };
  Result<MigrateReport> MigrateTo(StateLocation& target, const MasterKeySource& master,
                                  const std::string& origin);

  // Guards this keystore against rollback from now on (rollback_guard.h), with anchor kept outside
  // its files. Checks the log against the anchor at once: an anchor never written is set to the
  // log's head (recorded as rollback-anchor); a log that does not hold the anchor's record is
  // recorded as rollback-detected, and the keystore opens all the same, refusing every write and
  // so every signature, so that `samp11 audit verify` can say what it found. kStorage if the
  // anchor cannot be read or written.
  Status GuardRollback(std::unique_ptr<RollbackAnchor> anchor);
  // `samp11 audit accept-rollback`: an operator accepts the keystore as it is. From then on SADs
  // issued up to the acceptance's second are refused (SadNotBefore): the spends the rollback lost
  // cannot be replayed. Records rollback-accepted (the anchor's old point, the log's head and
  // reason), moves the anchor to that record, and lifts the alarm (other processes lift theirs at
  // their next write). kArgumentsBad,
  // with nothing written, if there is no guard or nothing to accept (the log holds the anchor's
  // record).
  struct RollbackAcceptance {
    std::string anchor;  // Describe()
    int64_t record = 0;  // the rollback-accepted record's seq
  };
  // refuse_earlier_sads false only where the lost spends were carried back otherwise (a restore
  // that merged the live keystore's spends).
  Result<RollbackAcceptance> AcceptRollback(const std::string& reason,
                                            bool refuse_earlier_sads = true);
  // Ok unless the rollback guard's alarm is up (kTampered saying so): the SAM asks before it
  // verifies a SAD, takes a PIN, starts or makes a signature, so that the refusal is recorded as
  // such. Reads nothing while there is no alarm; with one, checks the anchor again (another
  // process may have accepted).
  Status CheckNotRolledBack();
  // The rollback guard, or none when the configuration names no anchor.
  RollbackGuard* rollback_guard() { return rollback_guard_.get(); }

  // Checkpoints of the audit log (audit_checkpoint.h, keystore_checkpoint.cc). MakeCheckpoint: the
  // log's head now (its MAC checked: kTampered if it fails), signed. CheckpointPublicKey: the
  // checkpoint key's public half, as SubjectPublicKeyInfo DER. CheckCheckpoints: what the given
  // checkpoint lines show about the log: a line that is not a checkpoint, another token's, or not
  // signed by this token's key; a log behind a checkpoint (shorter than its seq); a log whose
  // record at a checkpoint's seq has another chain value (it went another way since); a replay
  // ledger with fewer spent hashes than a checkpoint counted. Empty when all is as checkpointed.
  // A token of several nodes checks the lines of its own node's chain (AuditStore::ChainName) and
  // leaves the others' to their chains; chain_lines_only: say nothing of lines that are not this
  // chain's, not even that they are unreadable or forged (a node's view, once another keystore
  // has said so).
  Result<AuditCheckpoint> MakeCheckpoint();
  // A checkpoint of the record (seq, chain) this process wrote itself (audit_checkpointer.h),
  // with the ledger's count now: its chain value is this process's own, so no head is read.
  Result<AuditCheckpoint> SignCheckpoint(int64_t seq, const Bytes& chain);
  Result<Bytes> CheckpointPublicKey();
  // The module's own checkpoints from now on (audit_checkpointer.h), to sinks (each checked now:
  // kConfig naming one that cannot take a line). Once per keystore.
  Status EmitCheckpoints(CheckpointSchedule schedule,
                         std::vector<std::unique_ptr<CheckpointSink>> sinks);
  AuditCheckpointer* checkpointer() { return checkpointer_.get(); }
  Result<std::vector<AuditProblem>> CheckCheckpoints(const std::vector<std::string>& lines,
                                                     bool chain_lines_only = false);

  // The time of the last restore or accepted rollback (0: never): SADs issued (iat) before it are
  // refused, since the replay records of hashes spent after the backup may be lost. kTampered if
  // its MAC fails.
  Result<int64_t> SadNotBefore();

 private:
  Keystore(std::unique_ptr<StateStore> state, DerivedKeys keys, std::string identity,
           std::string label, const Clock& clock);
  // The key of PIN hashes: derived from the first master key, carried over rotations wrapped in
  // meta pin_key (pin_hash.h).
  Status LoadPinKey();
  // Fills the MACs of rows from before schema 3, once.
  Status FinishLifecycleMigration();
  // Anchors the log of a token made before anchoring (keystore.cc), if it can.
  void AnchorAuditLog(const Bytes& anchored_check);
  // Where several signing nodes share the token's state, each keeps its own audit chain
  // (AuditStore::ChainName): a node's first open starts its chain with a node-join record, and
  // meta "node:NAME" says it joined, so that its chain found empty afterwards was emptied by hand
  // (appends then refuse, `audit verify` names it). Nothing to do for the token's one chain.
  Status JoinChain();
  Status RotateUnaudited(const MasterKeySource& new_master);

  Status SetSadNotBefore(int64_t not_before);
  // The log's head as the guard sees it: (0, genesis) for an empty log.
  Result<AnchorPoint> AuditHeadPoint();

  std::unique_ptr<StateStore> state_;
  std::unique_ptr<RollbackGuard> rollback_guard_;  // before context_, which points to it
  KeystoreContext context_;                        // refers to *state_
  AuditLog audit_;
  Signers signers_;
  SigningKeys keys_;
  Certificates certs_;
  ReplayLedger replay_;
  ActivationRequests requests_;
  SignerPins pins_;
  SignerOtp otp_;
  // Last, so destroyed first: its last checkpoint is signed while everything else still stands.
  std::unique_ptr<AuditCheckpointer> checkpointer_;
};

}  // namespace samp11
