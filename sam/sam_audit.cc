// What the SAM decides goes to the token's audit log (keystore/audit.h): logins, deposits and
// signatures, each with the reason of a refusal. A SAD is named by its kid and jti, never quoted;
// a PIN never appears at all.
#include <chrono>

#include "common/log.h"
#include "common/process_id.h"
#include "sad/ocra_sad.h"
#include "sam/sam.h"
#include "sam/scal1.h"

namespace samp11 {
namespace {

// Names the SAD of a refused decision as it claims to be: parsing needs no trust.
// An access token's sub is its server's subject, not a signer: the record keeps it, with the
// client the token was issued to, in the detail.
std::string AccessTokenFacts(const ParsedSad& sad) {
  return "access token of '" + sad.claims.iss + "': subject '" + sad.token_subject +
         "', client_id '" + sad.client_id + "'";
}

void ClaimedNames(std::string_view text, AuditEvent& event) {
  if (LooksLikeOcraSad(text)) {
    Result<OcraSad> ocra = ParseOcraSad(text);
    if (!ocra.ok()) return;
    event.kid = "ocra:" + ocra->signer;
    event.signer = ocra->signer;
    event.key_id = HexDecode(ocra->credential_id).value_or(Bytes());
    return;
  }
  Result<ParsedSad> parsed = ParseSad(text);
  if (!parsed.ok()) return;
  event.kid = parsed->kid;
  event.jti = parsed->claims.jti;
  if (parsed->form == SadForm::kAccessToken) {
    event.detail = AccessTokenFacts(*parsed);
  } else {
    event.signer = parsed->claims.sub;
  }
}

}  // namespace

Status Sam::AuditSadDecision(const char* event_name, std::string_view text, const VerifiedSad* sad,
                             const KeyInfo* key, const Status& result) {
  AuditEvent event;
  event.event = event_name;
  if (sad != nullptr) {
    event.kid = sad->sad.kid;
    event.jti = sad->sad.claims.jti;
    event.signer = sad->signer();
    if (sad->sad.form == SadForm::kAccessToken) event.detail = AccessTokenFacts(sad->sad);
    if (key == nullptr) event.key_id = HexDecode(sad->sad.claims.credential_id).value_or(Bytes());
  } else {
    ClaimedNames(text, event);
  }
  if (key != nullptr) event.key_id = key->id;
  // Lazy: a login or deposit decides no signature by itself; the signature's own record, which
  // names the same SAD, is synced, and syncs this one with it.
  Status recorded = keystore_.audit().Record(std::move(event), result, AuditLog::Durability::kLazy);
  if (!result.ok()) return result;
  if (!recorded.ok()) return Status(Code::kStorage, recorded.message());
  return Status::Ok();
}

namespace {

std::string RepeatScope(const char* event, const KeyInfo* key) {
  return key == nullptr ? std::string(event) : std::string(event) + "/" + HexEncode(key->id);
}

}  // namespace

std::optional<Status> Sam::RepeatedLogin(const char* event_name, std::string_view value,
                                         const KeyInfo* key) {
  std::optional<RefusedLogins::Repeat> repeat =
      refused_logins_.Find(RepeatScope(event_name, key), value);
  if (!repeat) return std::nullopt;
  const int64_t seconds = (MonotonicMillis() - repeat->first_millis) / 1000;
  Status refusal(Code::kCancelled, std::string(event_name) + ": the same value was refused " +
                                       std::to_string(seconds) + " s ago (" +
                                       repeat->first.message() + "); not verified again, " +
                                       std::to_string(repeat->repeats) + " repeat(s)");
  if (IsRepeatWorthRecording(repeat->repeats)) {
    SAMP11_LOG(kWarn, refusal.message());
    AuditEvent event;
    event.event = audit_event::kLoginRepeat;
    ClaimedNames(value, event);
    if (key != nullptr) event.key_id = key->id;
    (void)keystore_.audit().Record(std::move(event), refusal);  // refused either way
  }
  return refusal;
}

void Sam::RememberRefusedLogin(const char* event, std::string_view value, const KeyInfo* key,
                               const Status& result) {
  if (!result.ok()) refused_logins_.Remember(RepeatScope(event, key), value, result);
}

Result<std::shared_ptr<const VerifiedSad>> Sam::LoginUser(std::string_view text) {
  if (std::optional<Status> repeat = RepeatedLogin(audit_event::kLoginUser, text, nullptr)) {
    return *repeat;
  }
  Result<std::shared_ptr<const VerifiedSad>> sad = VerifySad(text);
  RememberRefusedLogin(audit_event::kLoginUser, text, nullptr, sad.status());
  SAMP11_RETURN_IF_ERROR(AuditSadDecision(audit_event::kLoginUser, text,
                                          sad.ok() ? sad->get() : nullptr, nullptr, sad.status()));
  return sad;
}

Result<std::shared_ptr<PinActivation>> Sam::PinLogin(std::string_view value) {
  // A wrong PIN sent again in a loop takes no more tries from its signer.
  if (std::optional<Status> repeat = RepeatedLogin(audit_event::kLoginPin, value, nullptr)) {
    return *repeat;
  }
  Result<std::shared_ptr<PinActivation>> login = PinLoginUnaudited(value);
  RememberRefusedLogin(audit_event::kLoginPin, value, nullptr, login.status());
  AuditEvent event;
  event.event = audit_event::kLoginPin;
  if (login.ok()) {
    event.signer = (*login)->signer();
    if ((*login)->with_otp()) event.detail = "PIN and TOTP code";
  } else if (size_t colon = value.find(':'); colon != std::string_view::npos) {
    event.signer = std::string(value.substr(0, colon));  // the name part only, never the PIN
  }
  Status recorded = keystore_.audit().Record(std::move(event), login.status());
  if (!login.ok()) return login.status();
  if (!recorded.ok()) return Status(Code::kStorage, recorded.message());
  return login;
}

Status Sam::CheckKeyUsableAudited(const KeyInfo& key) {
  Status usable = keystore_.keys().CheckKeyUsable(key.id, Now(), policy_.require_certificate);
  if (usable.ok()) return usable;
  AuditEvent event;
  event.event = audit_event::kSign;
  event.key_id = key.id;
  event.signer = key.owner;
  (void)keystore_.audit().Record(std::move(event), usable);  // the refusal stands either way
  return usable;
}

Result<std::optional<KeyInfo>> Sam::FindKeyAudited(int64_t key_handle) {
  Status rolled = keystore_.CheckNotRolledBack();
  if (!rolled.ok()) {
    AuditEvent event;
    event.event = audit_event::kSign;
    (void)keystore_.audit().Record(std::move(event), rolled);
    return rolled;
  }
  Result<std::optional<KeyInfo>> key = keystore_.keys().FindKeyByHandle(key_handle);
  if (key.ok() || key.status().code() != Code::kTampered) return key;
  // A row that fails its check names no signer and no key id that could be believed: the
  // reason, which names the key as its row does, is the record.
  AuditEvent event;
  event.event = audit_event::kSign;
  (void)keystore_.audit().Record(std::move(event), key.status());  // refused either way
  return key;
}

namespace {

// What a sign record says of the call, after the activation path: which mechanism, over which
// hash (once the SAM knew it), how long the SAM took (its decision, a wait for the signer's
// device, the signature; not the record's own write), asked by which program. The caller comes
// last because a path may hold spaces:
// "mechanism=CKM_ECDSA_SHA256 hash=sha256:<hex> took_us=412 caller=/usr/bin/openssl".
// Behind `p11-kit server` the caller is p11-kit's server, not the application it serves.
std::string SignRecordFacts(const SignMechanism& mechanism, HashAlg hash_alg, const Bytes& hash,
                            int64_t took_us) {
  std::string facts = "mechanism=" + mechanism.name();
  if (!hash.empty()) facts += std::string(" hash=") + HashName(hash_alg) + ":" + HexEncode(hash);
  facts += " took_us=" + std::to_string(took_us);
  const std::string& caller = OwnExecutable();
  facts += " caller=" + (caller.empty() ? "?" : caller);
  return facts;
}

}  // namespace

Result<Bytes> Sam::Sign(int64_t key_handle, const SignMechanism& mechanism, Activation& activation,
                        const SignContext& context) {
  SignFacts facts;
  const auto started = std::chrono::steady_clock::now();
  Result<Bytes> signature = SignUnaudited(key_handle, mechanism, activation, context, facts);
  const int64_t took_us = std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::steady_clock::now() - started)
                              .count();
  const std::optional<KeyInfo>& key = facts.key;
  std::optional<SpentHashRow>& spend = facts.spend;
  AuditEvent event;
  event.event = audit_event::kSign;
  if (key) event.key_id = key->id;
  if (const std::shared_ptr<const VerifiedSad>& sad = activation.sad()) {
    event.signer = sad->signer();
    event.kid = sad->sad.kid;
    event.jti = sad->sad.claims.jti;
  } else if (activation.pin()) {
    event.signer = activation.pin()->signer();
  }
  event.detail =
      (activation.pin() ? std::string("via PIN login (SCAL1)")
                        : std::string("via ") + ActivationSourceName(activation.source())) +
      "; " + SignRecordFacts(mechanism, facts.hash_alg, facts.hash, took_us);
  if (!signature.ok()) {
    // A refusal stands whether or not its record can be written; nothing rides on it being
    // synced at once. Its detail is the reason, then the above.
    return keystore_.audit().Record(event, signature.status(), AuditLog::Durability::kLazy);
  }
  const std::string lost =
      spend ? "hash already spent for SAD jti=" + spend->jti : std::string("no spend");
  // Synced when it spends; the signature of a claimed batch hash (its spend was synced by the
  // claim) and a SCAL1 signature are committed, not synced at once: a power loss, not a crash, may
  // lose the last of those records, never a replay record.
  Result<bool> won = keystore_.audit().RecordSignature(
      spend, event, std::string(CodeName(Code::kRejected)) + ": " + lost + "; " + event.detail,
      spend ? AuditLog::Durability::kSynced : AuditLog::Durability::kLazy);
  if (!won.ok()) {
    // Fail closed: a signature the log does not show never leaves the module. The write may have
    // been made all the same (its acknowledgement lost), its record then saying "ok": the log is
    // told the signature was withheld, so that it does not show a signature that never left.
    Status withheld(Code::kStorage, "signature withheld: " + won.status().message());
    SAMP11_LOG(kError, withheld.message());
    (void)keystore_.audit().Record(event, withheld, AuditLog::Durability::kLazy);
    return withheld;
  }
  if (!*won) return Status(Code::kRejected, lost);  // another session or process spent it first
  if (spend || facts.claimed) activation.MarkSpent();
  SAMP11_LOG(kInfo, "signature released: key=" << (key ? HexEncode(key->id) : std::string("?"))
                                               << " " << activation.Describe());
  return signature;
}

}  // namespace samp11
