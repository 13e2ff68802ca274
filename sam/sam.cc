#include "sam/sam.h"

#include <openssl/evp.h>

#include <algorithm>

#include "common/log.h"
#include "sad/ocra_sad.h"

namespace samp11 {

Sam::Sam(Keystore& keystore, SamPolicy policy, const Clock& clock,
         std::unique_ptr<SadProvider> provider)
    : keystore_(keystore), policy_(policy), clock_(clock), provider_(std::move(provider)) {}

Result<std::shared_ptr<const VerifiedSad>> Sam::VerifySad(std::string_view text) const {
  // A keystore put back to an earlier state is not asked anything (keystore/rollback_guard.h).
  SAMP11_RETURN_IF_ERROR(keystore_.CheckNotRolledBack());
  if (LooksLikeOcraSad(text)) return VerifyOcraSad(text);
  auto verified = std::make_shared<VerifiedSad>();
  SAMP11_ASSIGN_OR_RETURN(verified->sad, ParseSad(text));
  const ParsedSad& sad = verified->sad;

  Result<ActivationKey> issuer = keystore_.signers().GetActivationKey(sad.kid);
  if (!issuer.ok()) {
    if (issuer.status().code() == Code::kNotFound) {
      return Status(Code::kActivationInvalid, "SAD kid '" + sad.kid + "' is not a registered key");
    }
    return issuer.status();  // a tampered enrolment is a device fault, not a bad SAD
  }
  verified->issuer = std::move(issuer).value();
  const ActivationKey& key = verified->issuer;
  if (!key.enabled) {
    return Status(
        Code::kActivationInvalid,
        "SAD kid '" + sad.kid + "': the authorization server '" + key.owner + "' is disabled");
  }

  SAMP11_RETURN_IF_ERROR(VerifySadSignature(sad, key.public_key.get(), key.alg));
  SAMP11_RETURN_IF_ERROR(CheckSadClaims(sad.claims, keystore_.identity(), Now(), policy_.sad));
  // After a restore or an accepted rollback, replay records of hashes spent since the backup may
  // be gone: no SAD issued before it is taken (keystore_backup.cc, keystore.cc).
  SAMP11_ASSIGN_OR_RETURN(int64_t not_before, keystore_.SadNotBefore());
  if (sad.claims.iat < not_before) {
    return Status(Code::kActivationInvalid,
                  "SAD issued before the keystore was restored from a backup or its rollback "
                  "accepted (iat " +
                      std::to_string(sad.claims.iat) + " < " + std::to_string(not_before) + ")");
  }

  if (sad.form == SadForm::kAccessToken) {
    // Only an authorization server issues access tokens, under the name it was registered with
    // (its iss URL), and its sub is its own subject: the signer is whoever that subject was
    // enrolled as (`samp11 signer add --subject --issuer`), never a name read from the token.
    if (key.role != ActivationKeyRole::kAuthorizationServer) {
      return Status(Code::kActivationInvalid, "SAD access token signed by the device key '" +
                                                  sad.kid + "', not an authorization server's");
    }
    if (sad.claims.iss != key.owner) {
      return Status(Code::kActivationInvalid, "SAD access token iss '" + sad.claims.iss +
                                                  "' is not the authorization server '" +
                                                  key.owner + "' that signed it");
    }
    Result<std::string> signer = keystore_.signers().SignerForSubject(key.owner, sad.token_subject);
    if (!signer.ok()) {
      if (signer.status().code() != Code::kNotFound) return signer.status();
      return Status(Code::kActivationInvalid, "SAD access token subject '" + sad.token_subject +
                                                  "' of '" + key.owner +
                                                  "' is not enrolled as a signer");
    }
    verified->sad.claims.sub = std::move(signer).value();
  }
  // Who may speak for whom: a device key only for its own signer (the SAD is self-issued, so
  // iss names the signer too); an authorization server for any enrolled signer, under its name.
  if (key.role == ActivationKeyRole::kDevice) {
    if (sad.claims.sub != key.owner) {
      return Status(
          Code::kActivationInvalid,
          "SAD for signer '" + sad.claims.sub + "' is signed by the device of '" + key.owner + "'");
    }
    if (sad.claims.iss != key.owner) {
      return Status(Code::kActivationInvalid,
                    "a device-signed SAD must have iss equal to its signer '" + key.owner + "'");
    }
  } else if (sad.claims.iss != key.owner) {
    return Status(Code::kActivationInvalid, "SAD iss '" + sad.claims.iss +
                                                "' is not the name of the authorization server '" +
                                                key.owner + "' that signed it");
  }
  // Enrolled: a row, MACs checked, not removed (a disabled signer's SADs verify; its keys refuse).
  Result<SignerRow> signer = keystore_.signers().CheckedSignerRow(sad.claims.sub);
  if (!signer.ok() && signer.status().code() != Code::kNotFound) return signer.status();
  if (!signer.ok() && key.role == ActivationKeyRole::kDevice) {
    // A device key's signer always has a row (removing a signer deletes its devices and keeps the
    // row): a device key whose signer has none is an edit of the file, not a SAD at fault.
    return Status(Code::kTampered, "signer '" + sad.claims.sub + "' of activation key '" + sad.kid +
                                       "' failed its integrity check (its row is gone)");
  }
  if (!signer.ok() || signer->status == signer_status::kRemoved) {
    return Status(Code::kActivationInvalid, "SAD signer '" + sad.claims.sub + "' is not enrolled");
  }
  if (sad.form == SadForm::kAccessToken) {
    SAMP11_LOG(kInfo, "access token verified: signer="
                          << sad.claims.sub << " subject=" << sad.token_subject
                          << " client_id=" << sad.client_id << " kid=" << sad.kid
                          << " jti=" << sad.claims.jti << " hashes=" << sad.claims.hashes.size());
  } else {
    SAMP11_LOG(kInfo, "SAD verified: signer=" << sad.claims.sub << " kid=" << sad.kid
                                              << " jti=" << sad.claims.jti
                                              << " hashes=" << sad.claims.hashes.size());
  }
  return std::shared_ptr<const VerifiedSad>(std::move(verified));
}

Status Sam::CheckSadForKey(const VerifiedSad& sad, const KeyInfo& key) const {
  if (sad.signer() != key.owner) {
    return Status(Code::kActivationInvalid,
                  "SAD signer '" + sad.signer() + "' does not own key " + HexEncode(key.id));
  }
  if (sad.sad.claims.credential_id != HexEncode(key.id)) {
    return Status(Code::kActivationInvalid,
                  "SAD is for key " + sad.sad.claims.credential_id + ", not " + HexEncode(key.id));
  }
  return Status::Ok();
}

Status Sam::CheckIssuerStill(const VerifiedSad& sad) const {
  // An OCRA SAD's "issuer" is the signer's OCRA enrolment: replaced or removed since, it takes
  // the SAD with it.
  if (sad.ocra) return CheckOcraEnrolment(sad);
  // An activation key revoked since the SAD was accepted (`samp11 signer remove-key`, `issuer
  // remove`, by any process) takes the SAD with it, logged in or deposited.
  const SadClaims& claims = sad.sad.claims;
  Result<ActivationKey> issuer = keystore_.signers().GetActivationKey(sad.sad.kid);
  if (!issuer.ok()) {
    if (issuer.status().code() == Code::kNotFound) {
      return Status(Code::kRejected, "the key that signed SAD jti=" + claims.jti + " (kid '" +
                                         sad.sad.kid + "') was removed");
    }
    return issuer.status();
  }
  if (EVP_PKEY_eq(issuer->public_key.get(), sad.issuer.public_key.get()) != 1) {
    return Status(Code::kRejected, "the key that signed SAD jti=" + claims.jti + " (kid '" +
                                       sad.sad.kid + "') was replaced");
  }
  if (!issuer->enabled) {
    return Status(Code::kRejected, "the authorization server '" + issuer->owner +
                                       "' that signed SAD jti=" + claims.jti + " was disabled");
  }
  return Status::Ok();
}

Status Sam::CheckKeyUnchanged(const KeyInfo& key) {
  SAMP11_ASSIGN_OR_RETURN(std::optional<KeyInfo> now, keystore_.keys().FindKeyByHandle(key.handle));
  if (!now || SameKeyBinding(*now, key)) return Status::Ok();
  return Status(Code::kTampered, "key " + HexEncode(key.id) +
                                     " failed its integrity check (its row changed since "
                                     "C_SignInit)");
}

Result<Bytes> Sam::SignUnaudited(int64_t key_handle, const SignMechanism& mechanism,
                                 Activation& activation, const SignContext& context,
                                 SignFacts& facts) {
  SAMP11_RETURN_IF_ERROR(keystore_.CheckNotRolledBack());
  // Only an unwrapped key is trusted: its owner, id and SCAL were authenticated by AES-GCM.
  Result<UnwrappedKey> unwrapped = keystore_.keys().Unwrap(key_handle);
  if (!unwrapped.ok()) {
    // The refusal is still recorded under the key's id, so `audit show --key-id` finds it; the
    // row's owner is not authenticated and so is not named.
    Result<std::optional<KeyInfo>> row = keystore_.keys().FindKeyByHandle(key_handle);
    if (row.ok() && row->has_value()) {
      KeyInfo named;
      named.handle = key_handle;
      named.id = (*row)->id;
      facts.key = std::move(named);
    }
    // Destroyed since C_SignInit (by this or another process): a refusal, like a disabled key.
    if (unwrapped.status().code() == Code::kNotFound) {
      return Status(Code::kRejected, unwrapped.status().message());
    }
    return unwrapped.status();
  }
  UnwrappedKey& key = *unwrapped;
  facts.key = key.info;
  const std::string key_id = HexEncode(key.info.id);
  // Read afresh for every signature: another process may have disabled the key or its signer
  // since C_SignInit. C_Sign cannot answer CKR_KEY_FUNCTION_NOT_PERMITTED, so this is a refusal.
  Status usable = keystore_.keys().CheckKeyUsable(key.info.id, Now(), policy_.require_certificate);
  if (!usable.ok()) {
    if (usable.code() == Code::kKeyNotPermitted) return Status(Code::kRejected, usable.message());
    return usable;
  }
  if (key.info.scal < 2) return SignScal1(key, mechanism, activation, facts);
  if (activation.state() == Activation::State::kAwaitingSad) {
    // No SAD came with the call: a deposited one that binds this key and hash may serve, or
    // else the signer's device, asked now.
    SAMP11_ASSIGN_OR_RETURN(std::shared_ptr<const VerifiedSad> deposit,
                            FindDeposit(key.info, mechanism));
    if (deposit) {
      activation.Accept(std::move(deposit), ActivationSource::kDeposit);
    } else if (provider_ != nullptr) {
      SAMP11_ASSIGN_OR_RETURN(std::shared_ptr<const VerifiedSad> answer,
                              AskSigner(key.info, mechanism, context));
      activation.Accept(std::move(answer), ActivationSource::kSignerRequest);
      // The wait may have been long: the key or its signer may have been disabled meanwhile.
      Status still =
          keystore_.keys().CheckKeyUsable(key.info.id, Now(), policy_.require_certificate);
      if (!still.ok()) {
        if (still.code() == Code::kKeyNotPermitted) return Status(Code::kRejected, still.message());
        return still;
      }
    } else {
      return Status(Code::kNoActivation,
                    "key " + key_id + " needs a SAD and none was given or deposited");
    }
  }
  if (activation.state() == Activation::State::kSpent) {
    return Status(Code::kRejected, "this operation's SAD was already used");
  }
  const VerifiedSad& sad = *activation.sad();
  const SadClaims& claims = sad.sad.claims;

  Status for_key = CheckSadForKey(sad, key.info);
  if (!for_key.ok()) return Status(Code::kRejected, for_key.message());
  // Time again: a SAD accepted at login may have expired before C_Sign.
  if (Now() >= claims.exp + policy_.sad.clock_skew_seconds) {
    return Status(Code::kActivationExpired, "SAD jti=" + claims.jti + " expired");
  }
  SAMP11_RETURN_IF_ERROR(CheckIssuerStill(sad));
  std::optional<HashAlg> signed_alg = mechanism.FixedHashAlg();
  if (signed_alg && *signed_alg != claims.hash_alg) {
    return Status(Code::kRejected, std::string("SAD binds ") + HashName(claims.hash_alg) +
                                       " hashes but the mechanism signs a " +
                                       HashName(*signed_alg) + " hash");
  }
  SAMP11_ASSIGN_OR_RETURN(Bytes hash, mechanism.BoundHash(claims.hash_alg));
  facts.hash_alg = claims.hash_alg;
  facts.hash = hash;
  if (std::find(claims.hashes.begin(), claims.hashes.end(), hash) == claims.hashes.end()) {
    return Status(Code::kRejected, "the data's hash is not bound by SAD jti=" + claims.jti);
  }
  // A batch SAD (several hashes) is claimed whole by this process at its first signature, in one
  // durable write, and its hashes are then taken one at a time (Keystore::TakeBatchHash): taken
  // before the signature, given back if it cannot be made. A one-hash SAD is spent after.
  const bool batch = claims.hashes.size() > 1;
  if (batch) {
    ReplayLedger::BatchHash take;
    take.kid = sad.sad.kid;
    take.jti = claims.jti;
    take.signer = sad.signer();
    take.hashes = &claims.hashes;
    take.hash = hash;
    take.key_id = key.info.id;
    take.sad_exp = claims.exp;
    SAMP11_ASSIGN_OR_RETURN(bool mine, keystore_.replay().TakeBatchHash(take));
    if (!mine) {
      return Status(Code::kRejected, "hash already spent for SAD jti=" + claims.jti +
                                         " (or its batch is claimed by another process)");
    }
  } else {
    SAMP11_ASSIGN_OR_RETURN(bool spent,
                            keystore_.replay().IsHashSpent(sad.sad.kid, claims.jti, hash));
    if (spent) {
      return Status(Code::kRejected, "hash already spent for SAD jti=" + claims.jti);
    }
  }

  // Sign first, spend second: a hash is spent only once its signature exists, and the signature
  // leaves the module only if this process won the spend (another may have raced us): Sign
  // spends it, with the signature's audit record, in one durable write.
  // A tool that asked for the signer (it hashes inside its own run: pdfsig, jarsigner...) may
  // size its output from a probe signature: it gets signatures of one length.
  Result<Bytes> signature = activation.source() == ActivationSource::kSignerRequest
                                ? mechanism.SignFixedLength(*key.signer)
                                : mechanism.Sign(*key.signer);
  if (!signature.ok()) {
    if (batch) keystore_.replay().ReturnBatchHash(sad.sad.kid, claims.jti, hash);
    return signature.status();
  }
  if (batch) {
    facts.claimed = true;  // spent by the claim already
    return signature;
  }
  SpentHashRow row;
  row.kid = sad.sad.kid;
  row.jti = claims.jti;
  row.hash = std::move(hash);
  row.key_id = key.info.id;
  row.sad_exp = claims.exp;
  facts.spend = std::move(row);
  return signature;
}

}  // namespace samp11
