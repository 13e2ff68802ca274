// Keystore creation and opening (token identity, master key check), the parts it is made of, and
// the one step that spans two of them (removing a signer with its keys).
#include "keystore/keystore.h"

#include <utility>

#include "common/log.h"
#include "crypto/random.h"
#include "crypto/symmetric.h"
#include "keystore/aad.h"
#include "keystore/audit_chain.h"
#include "keystore/row_mac.h"

namespace samp11 {
namespace {

constexpr size_t kMaxTokenLabel = 32;  // CK_TOKEN_INFO.label
constexpr size_t kIdentityBytes = 16;
constexpr size_t kSaltBytes = 16;

// Meta rows written once at creation; master_check is written last, so its presence says the
// creation finished.
constexpr char kMetaIdentity[] = "identity";
constexpr char kMetaLabel[] = "label";
constexpr char kMetaCreated[] = "created";
constexpr char kMetaScryptSalt[] = "scrypt_salt";
constexpr char kMetaMasterCheck[] = "master_check";
// Set once the status MACs of rows from before schema 3 are filled.

Result<Bytes> MasterCheck(const DerivedKeys& keys, const std::string& identity, bool anchored) {
  return HmacSha256(keys.check, MasterCheckInput(identity, anchored));
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

Keystore::Keystore(std::unique_ptr<StateStore> state, DerivedKeys keys, std::string identity,
                   std::string label, const Clock& clock)
    : state_(std::move(state)),
      context_{*state_, clock, std::move(identity), std::move(label), {}, false, std::move(keys),
               {},      {}},
      audit_(context_),
      signers_(context_, audit_),
      keys_(context_, audit_, signers_),
      certs_(context_, audit_, keys_),
      replay_(context_, audit_),
      requests_(context_),
      pins_(context_, audit_, signers_),
      otp_(context_, audit_, signers_) {
  context_.genesis = AuditChainGenesis(context_.identity, state_->audit().ChainName());
}

Status Keystore::RemoveSigner(const std::string& name, bool destroy_keys,
                              const std::string& reason) {
  if (!destroy_keys) return signers_.RemoveSigner(name, reason, nullptr);
  const std::string why =
      "signer '" + name + "' removed" + (reason.empty() ? std::string() : ": " + reason);
  return signers_.RemoveSigner(name, reason, [&] { return keys_.DestroyKeysOf(name, why); });
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
  SAMP11_ASSIGN_OR_RETURN(Bytes check, MasterCheck(keys, identity, /*anchored=*/true));

  SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> store, location.Create());
  MetaStore& meta = store->meta();
  const int64_t created = clock.NowSeconds();
  SAMP11_RETURN_IF_ERROR(meta.InsertMeta(kMetaIdentity, identity));
  SAMP11_RETURN_IF_ERROR(meta.InsertMeta(kMetaLabel, label));
  SAMP11_RETURN_IF_ERROR(meta.InsertMeta(kMetaCreated, std::to_string(created)));
  if (!salt.empty()) SAMP11_RETURN_IF_ERROR(meta.InsertMeta(kMetaScryptSalt, HexEncode(salt)));
  auto keystore = std::unique_ptr<Keystore>(
      new Keystore(std::move(store), std::move(keys), std::move(identity), label, clock));
  // The log's first record is the token's creation, chained from the token's identity
  // (audit_chain.h) and MAC'd: the log is anchored to its token. It goes before master_check,
  // whose presence says the creation finished, and which marks the token as anchored.
  AuditEvent genesis;
  genesis.event = audit_event::kTokenCreate;
  genesis.outcome = audit_outcome::kOk;
  genesis.detail = "label=" + label + " created=" + std::to_string(created);
  SAMP11_RETURN_IF_ERROR(keystore->audit_.Append(genesis));
  SAMP11_RETURN_IF_ERROR(keystore->state_->meta().InsertMeta(kMetaMasterCheck, HexEncode(check)));
  keystore->context_.master_check_hex = HexEncode(check);
  keystore->context_.audit_anchored = true;
  SAMP11_RETURN_IF_ERROR(keystore->LoadPinKey());
  SAMP11_RETURN_IF_ERROR(keystore->FinishLifecycleMigration());  // marks the state as current
  SAMP11_RETURN_IF_ERROR(keystore->JoinChain());                 // the creating node's mark
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
  SAMP11_ASSIGN_OR_RETURN(Bytes anchored_check, MasterCheck(keys, identity, /*anchored=*/true));
  SAMP11_ASSIGN_OR_RETURN(Bytes legacy_check, MasterCheck(keys, identity, /*anchored=*/false));
  const bool anchored = ConstantTimeEqual(anchored_check, *stored_check);
  if (!anchored && !ConstantTimeEqual(legacy_check, *stored_check)) {
    return Status(Code::kConfig, "master key does not match this keystore");
  }
  auto keystore = std::unique_ptr<Keystore>(new Keystore(
      std::move(store), std::move(keys), std::move(identity), std::move(label), clock));
  keystore->context_.master_check_hex = HexEncode(anchored ? anchored_check : legacy_check);
  keystore->context_.audit_anchored = anchored;
  SAMP11_RETURN_IF_ERROR(keystore->LoadPinKey());
  SAMP11_RETURN_IF_ERROR(keystore->FinishLifecycleMigration());
  if (!anchored) keystore->AnchorAuditLog(anchored_check);
  if (anchored) SAMP11_RETURN_IF_ERROR(keystore->JoinChain());
  return keystore;
}

Status Keystore::JoinChain() {
  const std::string chain = state_->audit().ChainName();
  if (chain.empty()) return Status::Ok();
  const std::string mark = "node:" + chain;
  SAMP11_ASSIGN_OR_RETURN(AuditTail tail, state_->audit().GetAuditTail());
  if (!tail.head && !tail.last_row) {
    SAMP11_ASSIGN_OR_RETURN(std::optional<std::string> joined, state_->meta().GetMeta(mark));
    if (joined) return Status::Ok();  // its chain was emptied: the evidence stays as it is
    AuditEvent join;
    join.event = audit_event::kNodeJoin;
    join.outcome = audit_outcome::kOk;
    join.detail = "node " + chain + " joins the token: its audit chain starts here";
    context_.joining_chain = true;
    Status appended = audit_.Append(join);
    context_.joining_chain = false;
    SAMP11_RETURN_IF_ERROR(appended);
  }
  // After the first record, so that a failure in between leaves a node that can still join. A
  // node whose mark is missing beside a chain gets it now.
  SAMP11_ASSIGN_OR_RETURN(std::optional<std::string> joined, state_->meta().GetMeta(mark));
  if (joined) return Status::Ok();
  Status marked = state_->meta().InsertMeta(mark, std::to_string(context_.clock.NowSeconds()));
  return marked.code() == Code::kAlreadyExists ? Status::Ok() : marked;
}

void Keystore::AnchorAuditLog(const Bytes& anchored_check) {
  // A token made before anchoring: its log gets a record saying that it is anchored from here,
  // then master_check its anchored value. A log that cannot take the record (its head fails its
  // check: evidence) or a store that fails leaves the token as it was, still usable, so that
  // `samp11 audit verify` can say what is wrong; the next open tries again. Two processes
  // anchoring at once each write the record, and the same check value.
  AuditEvent anchor;
  anchor.event = audit_event::kAuditAnchor;
  anchor.outcome = audit_outcome::kOk;
  anchor.detail =
      "the log is anchored to its token from here: an empty log is now named as tampering";
  if (!audit_.Append(anchor).ok()) return;
  if (!state_->meta().SetMeta(kMetaMasterCheck, HexEncode(anchored_check)).ok()) return;
  context_.master_check_hex = HexEncode(anchored_check);
  context_.audit_anchored = true;
}

Result<AnchorPoint> Keystore::AuditHeadPoint() {
  SAMP11_ASSIGN_OR_RETURN(AuditTail tail, state_->audit().GetAuditTail());
  if (!tail.head) return AnchorPoint{0, context_.genesis};
  return AnchorPoint{tail.head->seq, tail.head->chain};
}

Status Keystore::GuardRollback(std::unique_ptr<RollbackAnchor> anchor) {
  auto guard = std::make_unique<RollbackGuard>(state_->audit(), std::move(anchor));
  SAMP11_ASSIGN_OR_RETURN(AnchorPoint head, AuditHeadPoint());
  SAMP11_ASSIGN_OR_RETURN(RollbackGuard::OpenCheck check, guard->CheckAtOpen(head));
  rollback_guard_ = std::move(guard);
  context_.rollback = rollback_guard_.get();
  if (check.created) {
    AuditEvent created;
    created.event = audit_event::kRollbackAnchor;
    created.outcome = audit_outcome::kOk;
    created.detail = "rollback anchor (" + rollback_guard_->Describe() +
                     ") first written, at audit record " + std::to_string(head.seq);
    // Not needed for the guard (the anchor is written): a failure is the log's to report.
    (void)audit_.Append(created);
  }
  if (rollback_guard_->detected()) {
    Status found = rollback_guard_->Recheck(head);
    SAMP11_LOG(kError, found.message());
    AuditEvent detected;
    detected.event = audit_event::kRollbackDetected;
    detected.outcome = audit_outcome::kError;
    detected.detail = found.message();
    (void)audit_.Append(detected);  // refused by the alarm as a write, but written
  }
  return Status::Ok();
}

Status Keystore::CheckNotRolledBack() {
  if (!rollback_guard_ || !rollback_guard_->detected()) return Status::Ok();
  SAMP11_ASSIGN_OR_RETURN(AnchorPoint head, AuditHeadPoint());
  return rollback_guard_->Recheck(head);
}

Result<Keystore::RollbackAcceptance> Keystore::AcceptRollback(const std::string& reason,
                                                              bool refuse_earlier_sads) {
  if (!rollback_guard_) {
    return Status(Code::kArgumentsBad, "this token's configuration names no rollback anchor");
  }
  SAMP11_ASSIGN_OR_RETURN(AnchorPoint head, AuditHeadPoint());
  Status found = rollback_guard_->Recheck(head);
  if (found.ok()) {
    return Status(Code::kArgumentsBad,
                  "there is no rollback to accept: the log holds the anchor's "
                  "record (" +
                      rollback_guard_->Describe() + ")");
  }
  if (found.code() != Code::kTampered) return found;
  // The spends the rollback lost are of SADs issued before now: none of those is taken again. (A
  // later second, so that a SAD issued in this one is refused too.)
  const int64_t not_before = context_.clock.NowSeconds() + 1;
  SAMP11_ASSIGN_OR_RETURN(int64_t current, SadNotBefore());
  if (refuse_earlier_sads && current < not_before) {
    SAMP11_RETURN_IF_ERROR(SetSadNotBefore(not_before));
  }
  AuditEvent accepted;
  accepted.event = audit_event::kRollbackAccepted;
  accepted.outcome = audit_outcome::kOk;
  accepted.detail =
      "the keystore is accepted as it is, at audit record " + std::to_string(head.seq) + "; " +
      (refuse_earlier_sads ? "SADs issued before " + std::to_string(not_before) + " are refused; "
                           : std::string()) +
      reason + "; it was: " + found.message();
  SAMP11_ASSIGN_OR_RETURN(int64_t seq, audit_.AppendAcceptingRollback(accepted));
  return RollbackAcceptance{rollback_guard_->Describe(), seq};
}

Status Keystore::FinishLifecycleMigration() {
  // Rows written before schema 3 have no status MAC yet: they get one now, once, and only in the
  // open that migrated the file. Whatever else lacks one was edited (statuses blanked to be
  // re-MAC'd as the attacker set them): it stays without, and fails its check.
  const int64_t from = state_->maintenance().MigratedFromSchema();
  if (from == 0 || from >= 3) return Status::Ok();
  LifecycleMacs macs;
  macs.key = [&](const KeyRow& row) { return RowMac(context_.keys.mac, KeyStatusMacInput(row)); };
  macs.signer = [&](const SignerRow& row) {
    return RowMac(context_.keys.mac, SignerStatusMacInput(row));
  };
  macs.cert = [&](const CertRow& row) { return RowMac(context_.keys.mac, CertMacInput(row)); };
  return state_->maintenance().FillMissingLifecycleMacs(macs).status();
}

}  // namespace samp11
