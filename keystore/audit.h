// The audit log's public shapes: what is recorded, how a record reads back, and what a
// verification finds. A record is chained to the one before it and MAC'd under a key derived
// from the master key (audit_chain.h), so an edited, deleted, moved or forged record is found by
// Keystore::VerifyAudit; nobody without the master key can rewrite the log undetected.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/bytes.h"

namespace samp11 {

// Event names. A new kind of event gets a name here; names are lowercase words joined by '-'.
namespace audit_event {
inline constexpr char kLoginUser[] = "login-user";
inline constexpr char kLoginContext[] = "login-context";
inline constexpr char kLoginPin[] = "login-pin";
inline constexpr char kSadVerify[] = "sad-verify";
inline constexpr char kSadDeposit[] = "sad-deposit";
// The SAM asked a signer's device for a SAD (sam/ask_signer.cc), and what came of it.
inline constexpr char kSadRequest[] = "sad-request";
inline constexpr char kSadAnswer[] = "sad-answer";
// The same refused login value again, answered without verifying it (sam/refused_logins.h).
inline constexpr char kLoginRepeat[] = "login-repeat";
inline constexpr char kSign[] = "sign";
// A batch SAD claimed by one process (keystore_claims.cc): detail says how many hashes.
inline constexpr char kSadClaim[] = "sad-claim";
inline constexpr char kKeyGenerate[] = "key-generate";
inline constexpr char kKeyImport[] = "key-import";
inline constexpr char kSignerAdd[] = "signer-add";
inline constexpr char kActivationKeyAdd[] = "activation-key-add";
inline constexpr char kActivationKeyRemove[] = "activation-key-remove";
inline constexpr char kIssuerDisable[] = "issuer-disable";
inline constexpr char kIssuerEnable[] = "issuer-enable";
// An authorization server's subject enrolled as a signer, or taken off (signer_subjects).
inline constexpr char kSubjectAdd[] = "subject-add";
inline constexpr char kSubjectRemove[] = "subject-remove";
inline constexpr char kCertImport[] = "cert-import";
inline constexpr char kSignerSetPin[] = "signer-set-pin";
// A signer's one-time-password secret made (keystore/signer_otp.h): TOTP for SCAL1 logins, OCRA
// for SCAL2 activations. A login or activation that used one is recorded as such (login-pin's
// detail, an OCRA SAD's sad-verify); too many wrong OCRA responses lock it (ocra-locked).
inline constexpr char kSignerSetTotp[] = "signer-set-totp";
inline constexpr char kSignerSetOcra[] = "signer-set-ocra";
inline constexpr char kOcraLocked[] = "ocra-locked";
inline constexpr char kKeyDisable[] = "key-disable";
inline constexpr char kKeyEnable[] = "key-enable";
inline constexpr char kKeyDestroy[] = "key-destroy";
inline constexpr char kSignerDisable[] = "signer-disable";
inline constexpr char kSignerEnable[] = "signer-enable";
inline constexpr char kSignerRemove[] = "signer-remove";
inline constexpr char kMasterKeyRotate[] = "master-key-rotate";
inline constexpr char kBackup[] = "backup";
inline constexpr char kRestore[] = "restore";
// The token's state copied here from another place (`samp11 migrate`, keystore_migrate.cc): the
// first record the copy's own chain gets after its join, naming where it came from.
inline constexpr char kMigrate[] = "migrate";
// The first record of a token's log, written as the token is made (keystore.cc): the log is
// anchored to the token, and a log without it (or empty) was cut by hand.
inline constexpr char kTokenCreate[] = "token-create";
// The first record of a signing node's chain, where several share the token (Keystore::JoinChain).
inline constexpr char kNodeJoin[] = "node-join";
// A token made before anchoring, anchored by the first open that could (its log from before
// cannot be told from one cut by hand; its log from here on can).
inline constexpr char kAuditAnchor[] = "audit-anchor";
// The rollback guard (rollback_guard.h): its anchor first written from this log's head; a log
// that does not hold the anchor's record (the keystore was put back); an operator's acceptance of
// the keystore as it is (`samp11 audit accept-rollback`), which moves the anchor to that record.
inline constexpr char kRollbackAnchor[] = "rollback-anchor";
inline constexpr char kRollbackDetected[] = "rollback-detected";
inline constexpr char kRollbackAccepted[] = "rollback-accepted";
}  // namespace audit_event

namespace audit_outcome {
inline constexpr char kOk[] = "ok";
inline constexpr char kRefused[] = "refused";
inline constexpr char kError[] = "error";
}  // namespace audit_outcome

// What happened. Never put a secret here (a SAD, a PIN, a private key): the log is readable by
// anyone who can read the token file. Long fields are cut (kMaxAuditField, kMaxAuditDetail).
struct AuditEvent {
  std::string event;    // an audit_event name
  std::string outcome;  // an audit_outcome name
  std::string signer;
  Bytes key_id;
  std::string kid;
  std::string jti;
  std::string detail;  // the reason of a refusal, in words independent of CK_RV
};

inline constexpr size_t kMaxAuditField = 255;
inline constexpr size_t kMaxAuditDetail = 1024;

// A record as stored. Read back by ListAudit without checks: VerifyAudit is the check.
struct AuditRecord {
  int64_t seq = 0;  // consecutive from 1
  int64_t at = 0;   // seconds since the epoch
  int64_t pid = 0;  // the process that appended it
  AuditEvent event;
  Bytes chain;
  Bytes mac;
};

// One finding of VerifyAudit; seq is the first record concerned (0 when none applies).
struct AuditProblem {
  int64_t seq = 0;
  std::string what;  // e.g. "record 17 was edited ...", "records 18..20 are missing"
};

struct AuditReport {
  int64_t records = 0;  // rows read
  int64_t first_seq = 0;
  int64_t last_seq = 0;
  std::vector<AuditProblem> problems;  // every one found, up to kMaxAuditProblems
  bool ok() const { return problems.empty(); }
};

// A log rewritten wholesale would otherwise make the report as large as the log.
inline constexpr size_t kMaxAuditProblems = 1000;

// Empty or zero fields do not filter; since and until are inclusive (seconds since the epoch).
// limit 0 means kDefaultAuditPage; no page is larger than kMaxAuditPage.
struct AuditFilter {
  std::string signer;
  Bytes key_id;
  int64_t since = 0;
  int64_t until = 0;
  std::string event;
  size_t limit = 0;
  int64_t max_seq = 0;  // only records with seq <= max_seq; 0: no bound
};

inline constexpr size_t kDefaultAuditPage = 1000;
inline constexpr size_t kMaxAuditPage = 100000;

}  // namespace samp11
