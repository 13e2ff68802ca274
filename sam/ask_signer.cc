// The pull path (docs/sad.md, "Asking the signer"): a SCAL2 signature reached C_Sign with no SAD
// and no deposit, so the SAM asks the signer's device for one through the token's SAD provider,
// and waits. The answer is verified exactly like a SAD from a login, must bind this key and this
// hash, and is spent by Sam::Sign like any other. Nothing is spent when the signer refuses, the
// wait times out or is cancelled, or the device cannot be reached.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "common/log.h"
#include "common/process_id.h"
#include "crypto/random.h"
#include "sam/sam.h"

namespace samp11 {
namespace {

// What the calling application may say about the signature, for the signer's eyes.
constexpr char kLabelVariable[] = "SAMP11_SIGN_LABEL";
constexpr size_t kMaxLabel = 256;

std::string CallerLabel() {
  const char* label = std::getenv(kLabelVariable);
  if (label == nullptr) return "";
  std::string text(label);
  if (text.size() > kMaxLabel) text.resize(kMaxLabel);
  return text;
}

}  // namespace

Result<std::shared_ptr<const VerifiedSad>> Sam::AskSigner(const KeyInfo& key,
                                                          const SignMechanism& mechanism,
                                                          const SignContext& context) {
  ActivationRequest request;
  SAMP11_ASSIGN_OR_RETURN(Bytes id, RandomBytes(16));
  request.request_id = HexEncode(id);
  request.token_label = keystore_.label();
  request.token_identity = keystore_.identity();
  request.signer = key.owner;
  request.key_id = HexEncode(key.id);
  request.key_type = KeyTypeName(key.type);
  request.mechanism = mechanism.name();
  // Pure EdDSA fixes no hash: the SAD then binds the message's SHA-256 (docs/sad.md).
  request.hash_alg = mechanism.FixedHashAlg().value_or(HashAlg::kSha256);
  SAMP11_ASSIGN_OR_RETURN(request.hash, mechanism.BoundHash(request.hash_alg));
  // A signer with an OCRA token may answer with an OCRA SAD: the request carries the challenge
  // the token takes (and shows), when the hash fits the suite's (a SHA-256 hash in QH64).
  SAMP11_ASSIGN_OR_RETURN(std::optional<OcraSuite> ocra, keystore_.otp().OcraSuiteOf(key.owner));
  const std::string challenge = HexEncode(request.hash);
  if (ocra && challenge.size() <= static_cast<size_t>(ocra->question_max)) {
    request.ocra_suite = ocra->text;
    request.ocra_challenge = challenge;
  }
  request.caller_pid = ::getpid();
  request.caller_executable = OwnExecutable();
  request.label = CallerLabel();
  request.created = Now();
  request.expires = request.created + provider_->timeout_seconds();
  const int64_t deadline = MonotonicMillis() + provider_->timeout_seconds() * 1000;

  AuditEvent asked;
  asked.event = audit_event::kSadRequest;
  asked.signer = key.owner;
  asked.key_id = key.id;
  asked.detail =
      "request " + request.request_id + " via " + provider_->name() + ": " + request.mechanism +
      " " + HashName(request.hash_alg) + " " + HexEncode(request.hash) + ", caller pid " +
      std::to_string(request.caller_pid) + " " + request.caller_executable +
      (request.label.empty() ? "" : ", label \"" + DisplayText(request.label, 100) + "\"");
  // The signer is not bothered about a signature the log could not show.
  Status recorded = keystore_.audit().Record(asked, Status::Ok());
  if (!recorded.ok()) return Status(Code::kStorage, recorded.message());
  SAMP11_LOG(kInfo, "asking signer '" << key.owner << "' for a SAD: request " << request.request_id
                                      << " via " << provider_->name());

  const Bytes& hash = request.hash;
  const HashAlg alg = request.hash_alg;
  SadAcceptor accept = [&](std::string_view text) -> Result<std::shared_ptr<const VerifiedSad>> {
    SAMP11_ASSIGN_OR_RETURN(std::shared_ptr<const VerifiedSad> sad, VerifySad(text));
    SAMP11_RETURN_IF_ERROR(CheckSadForKey(*sad, key));
    const SadClaims& claims = sad->sad.claims;
    if (claims.hash_alg != alg ||
        std::find(claims.hashes.begin(), claims.hashes.end(), hash) == claims.hashes.end()) {
      return Status(Code::kRejected, "SAD jti=" + claims.jti + " does not bind the requested " +
                                         HashName(alg) + " hash");
    }
    SAMP11_ASSIGN_OR_RETURN(bool signable,
                            keystore_.replay().HashSignable(sad->sad.kid, claims.jti, hash));
    if (!signable) return Status(Code::kRejected, "hash already spent for SAD jti=" + claims.jti);
    return sad;
  };
  Result<std::shared_ptr<const VerifiedSad>> answer =
      provider_->Ask(request, deadline, context.cancel, accept);

  AuditEvent answered;
  answered.event = audit_event::kSadAnswer;
  answered.signer = key.owner;
  answered.key_id = key.id;
  if (answer.ok()) {
    answered.kid = (*answer)->sad.kid;
    answered.jti = (*answer)->sad.claims.jti;
    answered.detail = "request " + request.request_id + " approved";
  }
  Status result = answer.status();
  if (!result.ok()) {
    result = Status(result.code(), "request " + request.request_id + ": " + result.message());
    SAMP11_LOG(kWarn, "activation " << result.ToString());
  }
  Status answer_recorded = keystore_.audit().Record(answered, result);
  if (!result.ok()) return result;
  if (!answer_recorded.ok()) return Status(Code::kStorage, answer_recorded.message());
  return answer;
}

}  // namespace samp11
