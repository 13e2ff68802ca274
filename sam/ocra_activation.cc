// OCRA SADs (sad/ocra_sad.h, docs/sad.md "OCRA SADs"): a signer's token computes an OCRA response
// (RFC 6287) over the document's hash; the SAM recomputes it under the signer's enrolled secret
// and, when it matches, takes the SAD as the claims it stands for (one hash, one key, this token,
// a lifetime of the policy's max_lifetime from now), which every path then checks at C_Sign as it
// checks a JWS SAD's: the key's owner and id, the hash bound, the spend in the replay ledger.
#include "common/log.h"
#include "crypto/digest.h"
#include "sad/ocra_sad.h"
#include "sam/sam.h"

namespace samp11 {
namespace {

// kid of every OCRA SAD of a signer: with the jti it keys the replay ledger.
std::string OcraKid(const std::string& signer) { return "ocra:" + signer; }

// The jti names one response of one time step without showing the response (which, with the
// rest of the SAD, would let a reader of the audit log rebuild an unspent SAD): the same response
// over the same hash in the same step is the same SAD, spent once. Without a time step in the
// suite, a response never changes: a signer's OCRA approval of a hash signs it once, ever.
std::string OcraJti(const std::string& response, int64_t time_step) {
  const std::string input = response + ":" + std::to_string(time_step);
  const Bytes digest = Digest(HashAlg::kSha256, ToBytes(input));
  return "ocra-" + HexEncode(Bytes(digest.begin(), digest.begin() + 16)) + "-" +
         std::to_string(time_step);
}

}  // namespace

Result<std::shared_ptr<const VerifiedSad>> Sam::VerifyOcraSad(std::string_view text) const {
  SAMP11_ASSIGN_OR_RETURN(OcraSad ocra, ParseOcraSad(text));
  // Enrolled and not removed (a disabled signer's SADs verify; its keys refuse).
  Result<SignerRow> signer = keystore_.signers().CheckedSignerRow(ocra.signer);
  if (!signer.ok() && signer.status().code() != Code::kNotFound) return signer.status();
  if (!signer.ok() || signer->status == signer_status::kRemoved) {
    return Status(Code::kActivationInvalid,
                  "OCRA SAD signer '" + ocra.signer + "' is not enrolled");
  }
  const int64_t now = Now();
  SAMP11_ASSIGN_OR_RETURN(OcraCheck check,
                          keystore_.otp().CheckOcra(ocra.signer, ocra.hash, ocra.response, now,
                                                    policy_.ocra_max_tries));
  switch (check.result) {
    case OcraCheck::kOk:
      break;
    case OcraCheck::kNotEnrolled:
      return Status(
          Code::kActivationInvalid,
          "signer '" + ocra.signer + "' has no OCRA enrolment (`samp11 signer set-ocra`)");
    case OcraCheck::kLocked:
      return Status(Code::kPinLocked, "the OCRA enrolment of signer '" + ocra.signer +
                                          "' is locked after too many wrong responses; `samp11 "
                                          "signer set-ocra` enrols it again");
    case OcraCheck::kWrong:
      return Status(Code::kActivationInvalid,
                    "wrong OCRA response for signer '" + ocra.signer + "' and this hash (" +
                        std::to_string(check.remaining) +
                        (check.remaining == 1 ? " try left)" : " tries left)"));
  }
  // After a restore or an accepted rollback, spends made since the backup may be forgotten: an
  // OCRA SAD carries no issue time, so until the cut-off is behind the policy's lifetime none is
  // taken (a JWS SAD is refused by its iat instead).
  SAMP11_ASSIGN_OR_RETURN(int64_t not_before, keystore_.SadNotBefore());
  if (not_before != 0 && now < not_before + policy_.sad.max_lifetime_seconds) {
    return Status(Code::kActivationInvalid,
                  "OCRA SADs are refused until " +
                      std::to_string(not_before + policy_.sad.max_lifetime_seconds) +
                      ": the keystore was restored or its rollback accepted");
  }

  auto verified = std::make_shared<VerifiedSad>();
  verified->ocra = true;
  verified->ocra_enrolment = std::move(check.enrolment);
  ParsedSad& sad = verified->sad;
  sad.kid = OcraKid(ocra.signer);
  SadClaims& claims = sad.claims;
  claims.iss = ocra.signer;
  claims.sub = ocra.signer;
  claims.aud = keystore_.identity();
  claims.credential_id = ocra.credential_id;
  claims.hash_alg = ocra.hash_alg;
  claims.hashes = {ocra.hash};
  claims.iat = now;
  claims.exp = now + policy_.sad.max_lifetime_seconds;
  claims.jti = OcraJti(ocra.response, check.time_step);
  verified->issuer.kid = sad.kid;
  verified->issuer.role = ActivationKeyRole::kDevice;
  verified->issuer.owner = ocra.signer;
  SAMP11_LOG(kInfo, "OCRA SAD verified: signer=" << ocra.signer << " jti=" << claims.jti);
  return std::shared_ptr<const VerifiedSad>(std::move(verified));
}

Status Sam::CheckOcraEnrolment(const VerifiedSad& sad) const {
  SAMP11_ASSIGN_OR_RETURN(std::optional<Bytes> enrolment,
                          keystore_.otp().OcraEnrolment(sad.signer()));
  if (!enrolment || *enrolment != sad.ocra_enrolment) {
    return Status(Code::kRejected, "the OCRA enrolment that checked SAD jti=" + sad.sad.claims.jti +
                                       " of signer '" + sad.signer() + "' was replaced or removed");
  }
  return Status::Ok();
}

}  // namespace samp11
