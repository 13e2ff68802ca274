// The activation request: what the SAM sends to a signer's device when a SCAL2 signature reaches
// C_Sign without a SAD (docs/sad.md, "Asking the signer"). It says everything the signer needs to
// decide, and everything the device needs to issue a SAD that binds exactly this signature. It
// carries no secret and grants nothing: only the SAD that may come back does, after the SAM has
// verified it like any other.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/digest.h"

namespace samp11 {

constexpr char kActivationRequestType[] = "samp11-activation-request";
constexpr int kActivationRequestVersion = 1;

struct ActivationRequest {
  std::string request_id;               // 32 lower-case hex characters, random
  std::string token_label;              // the token's label, for the signer's eyes
  std::string token_identity;           // the SAD's aud
  std::string signer;                   // the key's owner: the SAD's sub
  std::string key_id;                   // the key's CKA_ID, lower-case hex: the SAD's credentialID
  std::string key_type;                 // KeyTypeName(), e.g. "ec-p256"
  std::string mechanism;                // e.g. "CKM_ECDSA_SHA256"
  HashAlg hash_alg = HashAlg::kSha256;  // the SAD's hashAlgorithmOID
  Bytes hash;                           // the SAD must bind exactly this hash
  int64_t caller_pid = 0;               // the process that called C_Sign
  std::string caller_executable;        // its /proc/self/exe, or empty
  // What the calling application says the signature is for (SAMP11_SIGN_LABEL), or empty. The
  // caller is not trusted: a device shows it as the caller's words.
  std::string label;
  int64_t created = 0;  // seconds since the epoch
  int64_t expires = 0;  // no answer is awaited after this
  // When the signer has an OCRA enrolment (docs/sad.md, "OCRA SADs"): its suite and the
  // challenge the signer's token takes and shows, the hash in lower-case hex, so that a device
  // may answer with an OCRA SAD. Both empty otherwise, and then absent from the JSON.
  std::string ocra_suite;
  std::string ocra_challenge;
};

// One JSON object, members in a fixed order, hash in standard base64 (as in a SAD); "ocra"
// ({"suite", "challenge"}) last, only when the signer has an OCRA enrolment.
std::string ActivationRequestToJson(const ActivationRequest& request);
// The device's side. Strict: every member present with its type (label may be empty), no
// duplicate member names, known type and version. kArgumentsBad, naming the rule.
Result<ActivationRequest> ParseActivationRequest(std::string_view json);

// Printable text of at most max_chars for a terminal or a log line: control characters and
// anything outside printable ASCII become '?', so a caller's label cannot forge lines.
std::string DisplayText(std::string_view text, size_t max_chars = 200);

}  // namespace samp11
