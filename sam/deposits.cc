// The deposit path: SADs handed to the module before the signature they activate, for consumers
// that cannot pass a SAD at the login (libp11 and pkcs11-provider take 32 characters at most;
// with a protected authentication path they send no PIN at all).
#include <algorithm>

#include "common/log.h"
#include "sam/sam.h"

namespace samp11 {

Result<std::shared_ptr<const VerifiedSad>> Sam::VerifyForDeposit(std::string_view text) const {
  SAMP11_ASSIGN_OR_RETURN(std::shared_ptr<const VerifiedSad> sad, VerifySad(text));
  const SadClaims& claims = sad->sad.claims;
  std::optional<Bytes> key_id = HexDecode(claims.credential_id);
  if (!key_id) return Status(Code::kActivationInvalid, "SAD credentialID is not hex");
  SAMP11_ASSIGN_OR_RETURN(std::optional<KeyInfo> key, keystore_.keys().FindKeyById(*key_id));
  if (!key) {
    return Status(Code::kActivationInvalid,
                  "SAD is for key " + claims.credential_id + ", which this token does not hold");
  }
  SAMP11_RETURN_IF_ERROR(CheckSadForKey(*sad, *key));
  return sad;
}

Result<std::shared_ptr<const VerifiedSad>> Sam::DepositInKeystore(std::string_view text) {
  Result<std::shared_ptr<const VerifiedSad>> deposited = DepositInKeystoreUnaudited(text);
  const VerifiedSad* sad = deposited.ok() ? deposited->get() : nullptr;
  SAMP11_RETURN_IF_ERROR(
      AuditSadDecision(audit_event::kSadDeposit, text, sad, nullptr, deposited.status()));
  return deposited;
}

Result<std::shared_ptr<const VerifiedSad>> Sam::DepositInKeystoreUnaudited(std::string_view text) {
  SAMP11_ASSIGN_OR_RETURN(std::shared_ptr<const VerifiedSad> sad, VerifyForDeposit(text));
  const SadClaims& claims = sad->sad.claims;
  // Expired deposits are useless: drop them while we are writing anyway.
  SAMP11_RETURN_IF_ERROR(
      keystore_.replay().PurgeDeposits(Now() - policy_.sad.clock_skew_seconds).status());
  DepositRow row;
  row.kid = sad->sad.kid;
  row.jti = claims.jti;
  row.key_id = *HexDecode(claims.credential_id);
  row.sad = std::string(text);
  row.hashes = claims.hashes;
  row.sad_exp = claims.exp;
  row.deposited_at = Now();
  SAMP11_RETURN_IF_ERROR(keystore_.replay().DepositSad(row));
  SAMP11_LOG(kInfo, "SAD deposited: signer=" << claims.sub << " key=" << claims.credential_id
                                             << " jti=" << claims.jti
                                             << " hashes=" << claims.hashes.size());
  return sad;
}

Result<uint64_t> Sam::DepositForSession(uint64_t session, std::string_view text) {
  Result<std::shared_ptr<const VerifiedSad>> sad = VerifyForDeposit(text);
  SAMP11_RETURN_IF_ERROR(AuditSadDecision(audit_event::kSadDeposit, text,
                                          sad.ok() ? sad->get() : nullptr, nullptr, sad.status()));
  return session_deposits_.Add(session, std::move(sad).value());
}

namespace {

bool Binds(const VerifiedSad& sad, HashAlg alg, const Bytes& hash) {
  const SadClaims& c = sad.sad.claims;
  return c.hash_alg == alg && std::find(c.hashes.begin(), c.hashes.end(), hash) != c.hashes.end();
}

}  // namespace

Result<std::shared_ptr<const VerifiedSad>> Sam::FindDeposit(const KeyInfo& key,
                                                            const SignMechanism& mechanism) {
  std::vector<HashAlg> algs = {HashAlg::kSha256, HashAlg::kSha384, HashAlg::kSha512};
  if (std::optional<HashAlg> fixed = mechanism.FixedHashAlg()) algs = {*fixed};
  const std::string key_id = HexEncode(key.id);
  const int64_t min_exp = Now() - policy_.sad.clock_skew_seconds + 1;  // still in time
  std::vector<std::shared_ptr<const VerifiedSad>> own = session_deposits_.ForKey(key_id);

  for (HashAlg alg : algs) {
    SAMP11_ASSIGN_OR_RETURN(Bytes hash, mechanism.BoundHash(alg));
    auto unspent = [&](const VerifiedSad& sad) -> Result<bool> {
      return keystore_.replay().HashSignable(sad.sad.kid, sad.sad.claims.jti, hash);
    };
    for (const auto& sad : own) {
      if (sad->sad.claims.exp < min_exp || !Binds(*sad, alg, hash)) continue;
      SAMP11_ASSIGN_OR_RETURN(bool usable, unspent(*sad));
      if (usable) return sad;
    }
    SAMP11_ASSIGN_OR_RETURN(std::vector<std::string> texts,
                            keystore_.replay().FindDepositedSads(key.id, hash, min_exp));
    for (const std::string& text : texts) {
      // The row is not trusted: the SAD is verified again, as if it had just arrived.
      Result<std::shared_ptr<const VerifiedSad>> sad = VerifySad(text);
      if (!sad.ok()) {
        SAMP11_LOG(kWarn, "deposited SAD for key "
                              << key_id << " no longer verifies: " << sad.status().message());
        continue;
      }
      if (!Binds(**sad, alg, hash) || !CheckSadForKey(**sad, key).ok()) continue;
      SAMP11_ASSIGN_OR_RETURN(bool usable, unspent(**sad));
      if (usable) return std::move(sad).value();
    }
  }
  return std::shared_ptr<const VerifiedSad>();
}

}  // namespace samp11
