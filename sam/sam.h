// The Signature Activation Module: the one place that decides whether a key may sign.
// It verifies SADs (who, for which token, until when, signed by which registered key), checks
// that a SAD binds this key and this hash, spends the hash durably, and only then releases a
// signature. It knows nothing of PKCS#11 structures.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/cancel_signal.h"
#include "common/clock.h"
#include "common/status.h"
#include "config/sam_policy.h"
#include "keystore/keystore.h"
#include "operation/mechanism.h"
#include "sam/activation.h"
#include "sam/refused_logins.h"
#include "sam/sad_provider.h"
#include "sam/scal1.h"
#include "sam/session_deposits.h"

namespace samp11 {

// What the SAM knows of the call a signature comes from, beyond key, mechanism and activation.
struct SignContext {
  CancelSignal* cancel = nullptr;  // ends a wait for the signer's device; may be null
};

class Sam {
 public:
  // provider, when given, is asked for a SAD when a SCAL2 signature has none (ask_signer.cc).
  Sam(Keystore& keystore, SamPolicy policy, const Clock& clock,
      std::unique_ptr<SadProvider> provider = nullptr);

  // Parse, look up the activation key by kid (authenticated enrolment), verify the signature
  // with the key's registered algorithm, check audience and time, check that the signer is
  // enrolled and that the issuer may speak for it. Nothing is spent. An OCRA SAD
  // (sad/ocra_sad.h) is verified by VerifyOcraSad instead.
  Result<std::shared_ptr<const VerifiedSad>> VerifySad(std::string_view text) const;

  // A verified SAD is about this key: same signer as the key's owner, credentialID == key id.
  Status CheckSadForKey(const VerifiedSad& sad, const KeyInfo& key) const;
  // key, found at C_SignInit, is still what its row says (read afresh only when the keystore may
  // have changed): kTampered if the row fails its check or binds otherwise. A key destroyed
  // since is left to C_Sign, which refuses it.
  Status CheckKeyUnchanged(const KeyInfo& key);

  // The gate. For a SCAL2 key: the activation must hold a SAD for this key whose hashes include
  // the mechanism's bound hash, unspent; the signature is made, then the hash is spent durably,
  // and only if that spend wins is the signature returned. For a SCAL1 key: the activation must
  // hold its owner's PIN login, within the key's activation limits (SignScal1).
  // With no SAD from the call, a deposit, or failing that the token's SAD provider (the signer's
  // device, asked and waited for: context.cancel ends the wait) may activate it.
  // Every call leaves one "sign" record in the audit log, signed or refused; a signature whose
  // record cannot be written is withheld (kStorage), and an "error" record says so when it can
  // be written (after an "ok" one if the failed write was in fact made). Its detail names the
  // activation path, the mechanism, the hash signed (once known) and the calling executable
  // (SignRecordFacts, sam_audit.cc).
  Result<Bytes> Sign(int64_t key_handle, const SignMechanism& mechanism, Activation& activation,
                     const SignContext& context = SignContext());

  // C_Login(CKU_USER, sad): VerifySad, recorded in the audit log as "login-user".
  Result<std::shared_ptr<const VerifiedSad>> LoginUser(std::string_view text);
  // Records a decision about a SAD (a login, a deposit): the SAD is named by kid and jti (as
  // claimed, when it did not verify), never quoted. A refusal is returned as it is; an accepted
  // SAD whose record cannot be written becomes a refusal (kStorage).
  Status AuditSadDecision(const char* event, std::string_view text, const VerifiedSad* sad,
                          const KeyInfo* key, const Status& result);

  // A login value refused moments ago (refused_logins.h) is refused again at once, without
  // verification: kCancelled, counted, and recorded at 1, 10, 100... repeats. nullopt when value
  // is not such a repeat. event names the login; key scopes a context login to its key.
  std::optional<Status> RepeatedLogin(const char* event, std::string_view value,
                                      const KeyInfo* key);
  // Remembers result if it is a refusal that verification decided.
  void RememberRefusedLogin(const char* event, std::string_view value, const KeyInfo* key,
                            const Status& result);

  // SCAL1 (scal1.cc). C_Login(CKU_USER, "NAME:PIN", or a bare PIN when exactly one signer has a
  // PIN): kActivationInvalid for a wrong PIN or a signer without one, kPinLocked once the
  // signer's PIN is locked (policy().pin_max_tries wrong PINs in a row).
  Result<std::shared_ptr<PinActivation>> PinLogin(std::string_view value);  // audited

  // Deposits (docs/sad.md, "the deposit path"): a SAD handed in ahead of the signature. It is
  // verified in full when deposited (a forged or foreign SAD is refused then, with the reason)
  // and again when used. Nothing is spent by a deposit.
  Result<std::shared_ptr<const VerifiedSad>> VerifyForDeposit(std::string_view text) const;
  // Into the keystore, for every process on it (`samp11 sad deposit`).
  Result<std::shared_ptr<const VerifiedSad>> DepositInKeystore(std::string_view text);
  // As a PKCS#11 session object of this process; returns the deposit's id.
  Result<uint64_t> DepositForSession(uint64_t session, std::string_view text);
  SessionDeposits& session_deposits() { return session_deposits_; }
  // A deposited SAD, unspent and in time, that binds this key and the mechanism's hash; null if
  // there is none.
  Result<std::shared_ptr<const VerifiedSad>> FindDeposit(const KeyInfo& key,
                                                         const SignMechanism& mechanism);

  // Key generation through PKCS#11 (C_GenerateKeyPair), decided here: kMechanismInvalid when the
  // token's policy does not let applications make keys (allow_pkcs11_keygen).
  Status CheckKeyGenerationAllowed() const;
  // A new SCAL2 key for the signer a SAD user login names, bound to that signer for life; a PIN
  // login activates existing SCAL1 keys and makes none (kNoActivation, as with no login at all).
  // id empty: a random one. Audited by the keystore.
  Result<UnwrappedKey> GenerateKeyForLogin(const UserLogin& login, KeyType type,
                                           const std::string& label, const Bytes& id);

  // Ok if the key may sign now (keystore/lifecycle.h); otherwise kKeyNotPermitted (or kTampered),
  // and a refused "sign" record says why.
  Status CheckKeyUsableAudited(const KeyInfo& key);
  // C_SignInit's lookup of its key (SigningKeys::FindKeyByHandle): a row that fails its check is
  // kTampered, and a "sign" record (outcome error) says so; an absent key is nullopt.
  Result<std::optional<KeyInfo>> FindKeyAudited(int64_t key_handle);

  // The token's SAD provider, or null.
  SadProvider* provider() { return provider_.get(); }
  Keystore& keystore() { return keystore_; }
  const SamPolicy& policy() const { return policy_; }
  int64_t Now() const { return clock_.NowSeconds(); }

 private:
  // What SignUnaudited learned on its way, for Sign's spend and audit record.
  struct SignFacts {
    std::optional<KeyInfo> key;
    // SCAL2: the hash to spend, which Sign writes with the signature's record in one durable
    // write before the signature may leave; or, for a hash of a batch SAD this process claimed
    // (spent already), claimed is true.
    std::optional<SpentHashRow> spend;
    bool claimed = false;
    // The hash the key signs (the one a SAD binds), once known; empty before.
    HashAlg hash_alg = HashAlg::kSha256;
    Bytes hash;
  };
  // Makes the signature, filling facts as far as it got.
  Result<Bytes> SignUnaudited(int64_t key_handle, const SignMechanism& mechanism,
                              Activation& activation, const SignContext& context, SignFacts& facts);
  // Asks the signer's device through provider_ for a SAD that binds this key and the
  // mechanism's hash, and waits for it (ask_signer.cc). Audited: the request, and its answer.
  Result<std::shared_ptr<const VerifiedSad>> AskSigner(const KeyInfo& key,
                                                       const SignMechanism& mechanism,
                                                       const SignContext& context);
  Result<std::shared_ptr<PinActivation>> PinLoginUnaudited(std::string_view value);
  // An OCRA SAD (ocra_activation.cc): the signer enrolled, the response recomputed over the hash
  // under the signer's OCRA secret, one try taken from the signer's OCRA counter first; the
  // claims it stands for, for the checks every SAD goes through at C_Sign.
  Result<std::shared_ptr<const VerifiedSad>> VerifyOcraSad(std::string_view text) const;
  // At C_Sign: the OCRA enrolment that checked sad is still the signer's (not replaced, removed).
  Status CheckOcraEnrolment(const VerifiedSad& sad) const;
  // At C_Sign: what vouched for sad still does (its activation key registered, the same, its
  // server enabled; or its OCRA enrolment). kRejected otherwise.
  Status CheckIssuerStill(const VerifiedSad& sad) const;
  Result<std::shared_ptr<const VerifiedSad>> DepositInKeystoreUnaudited(std::string_view text);
  // A SCAL1 key's signature: kNoActivation without its owner's PIN login, kRejected past a limit.
  // facts gets the hash it signs.
  Result<Bytes> SignScal1(const UnwrappedKey& key, const SignMechanism& mechanism,
                          const Activation& activation, SignFacts& facts);

  Keystore& keystore_;
  SamPolicy policy_;
  const Clock& clock_;
  SessionDeposits session_deposits_;
  std::unique_ptr<SadProvider> provider_;
  RefusedLogins refused_logins_;
};

}  // namespace samp11
