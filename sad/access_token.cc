// The second SAD form: an RFC 9068 access token from a CSC v2 authorization server, read into the
// same SadClaims the SAM checks for every SAD. docs/sad.md, "The access-token form", is the
// contract.
#include <sstream>

#include "sad/json_claims.h"
#include "sad/rules.h"

namespace samp11 {

namespace {

using nlohmann::json;

// An aud array this long is no real token's; the bound keeps the comparison loop small.
constexpr size_t kMaxAudiences = 16;
constexpr char kCredentialScope[] = "credential";
constexpr char kCredentialType[] = "credential";

Result<std::vector<std::string>> Audiences(const json& payload) {
  auto it = payload.find("aud");
  if (it == payload.end()) return SadInvalid("claim 'aud' is missing");
  std::vector<std::string> audiences;
  // RFC 7519 section 4.1.3: one string, or an array of strings.
  if (it->is_string()) {
    audiences.push_back(it->get<std::string>());
  } else if (it->is_array() && !it->empty() && it->size() <= kMaxAudiences) {
    for (const json& value : *it) {
      if (!value.is_string()) return SadInvalid("claim 'aud' holds a value that is not a string");
      audiences.push_back(value.get<std::string>());
    }
  } else {
    return SadInvalid("claim 'aud' must be a string or an array of 1 to " +
                      std::to_string(kMaxAudiences) + " strings");
  }
  for (const std::string& aud : audiences) {
    SAMP11_RETURN_IF_ERROR(CheckSadString("aud", aud, kMaxSadStringLength));
  }
  return audiences;
}

// RFC 6749 section 3.3: space-delimited scope tokens; "credential" must be one of them.
Status CheckScope(const json& payload) {
  SAMP11_ASSIGN_OR_RETURN(std::string scope, SadString(payload, "scope", "claim 'scope'"));
  std::istringstream tokens(scope);
  for (std::string token; tokens >> token;) {
    if (token == kCredentialScope) return Status::Ok();
  }
  return SadInvalid("claim 'scope' does not contain 'credential'");
}

// RFC 9396: the details of every type the server grants; exactly one of type "credential" (two
// would leave it open which credential and which digests were authorized). Others are ignored.
Result<const json*> CredentialDetail(const json& payload) {
  auto it = payload.find("authorization_details");
  if (it == payload.end()) return SadInvalid("claim 'authorization_details' is missing");
  if (!it->is_array()) return SadInvalid("claim 'authorization_details' is not an array");
  const json* found = nullptr;
  for (size_t i = 0; i < it->size(); ++i) {
    const json& detail = (*it)[i];
    const std::string what = "authorization_details[" + std::to_string(i) + "]";
    if (!detail.is_object()) return SadInvalid(what + " is not an object");
    SAMP11_ASSIGN_OR_RETURN(std::string type, SadString(detail, "type", what + ".type"));
    if (type != kCredentialType) continue;
    if (found != nullptr) {
      return SadInvalid("claim 'authorization_details' holds more than one 'credential' detail");
    }
    found = &detail;
  }
  if (found == nullptr) {
    return SadInvalid("claim 'authorization_details' holds no detail of type 'credential'");
  }
  return found;
}

Status ParseCredentialDetail(const json& detail, SadClaims& claims) {
  const std::string what = "credential detail";
  SAMP11_ASSIGN_OR_RETURN(claims.credential_id,
                          SadString(detail, "credentialID", what + ".credentialID"));
  SAMP11_ASSIGN_OR_RETURN(std::string oid,
                          SadString(detail, "hashAlgorithmOID", what + ".hashAlgorithmOID"));
  std::optional<HashAlg> hash_alg = HashFromOid(oid);
  if (!hash_alg) return SadInvalid(what + ".hashAlgorithmOID names an unsupported hash");
  claims.hash_alg = *hash_alg;
  auto digests = detail.find("documentDigests");
  if (digests == detail.end()) return SadInvalid(what + ".documentDigests is missing");
  if (!digests->is_array()) return SadInvalid(what + ".documentDigests is not an array");
  for (size_t i = 0; i < digests->size(); ++i) {
    const json& digest = (*digests)[i];
    const std::string item = what + ".documentDigests[" + std::to_string(i) + "]";
    if (!digest.is_object()) return SadInvalid(item + " is not an object");
    auto hash = digest.find("hash");
    if (hash == digest.end()) return SadInvalid(item + ".hash is missing");
    SAMP11_ASSIGN_OR_RETURN(Bytes bytes, SadDigest(*hash, item + ".hash"));
    // The label is the document's name shown to the signer; the module only checks its type.
    auto label = digest.find("label");
    if (label != digest.end() && !label->is_string()) {
      return SadInvalid(item + ".label is not a string");
    }
    claims.hashes.push_back(std::move(bytes));
  }
  if (detail.contains("numSignatures")) {
    SAMP11_ASSIGN_OR_RETURN(int64_t num_signatures,
                            SadInteger(detail, "numSignatures", what + ".numSignatures"));
    if (num_signatures < 0 || static_cast<uint64_t>(num_signatures) != claims.hashes.size()) {
      return SadInvalid(what + ".numSignatures is " + std::to_string(num_signatures) +
                        " but there are " + std::to_string(claims.hashes.size()) + " digests");
    }
  }
  return Status::Ok();
}

}  // namespace

Status ParseAccessTokenClaims(const json& payload, ParsedSad& sad) {
  SadClaims& claims = sad.claims;
  SAMP11_ASSIGN_OR_RETURN(claims.iss, SadString(payload, "iss", "claim 'iss'"));
  SAMP11_ASSIGN_OR_RETURN(sad.token_subject, SadString(payload, "sub", "claim 'sub'"));
  claims.sub = sad.token_subject;  // the SAM replaces it with the enrolled signer
  SAMP11_ASSIGN_OR_RETURN(claims.audiences, Audiences(payload));
  claims.aud = claims.audiences.front();
  SAMP11_ASSIGN_OR_RETURN(claims.iat, SadInteger(payload, "iat", "claim 'iat'"));
  SAMP11_ASSIGN_OR_RETURN(claims.exp, SadInteger(payload, "exp", "claim 'exp'"));
  SAMP11_ASSIGN_OR_RETURN(claims.jti, SadString(payload, "jti", "claim 'jti'"));
  SAMP11_ASSIGN_OR_RETURN(sad.client_id, SadString(payload, "client_id", "claim 'client_id'"));
  SAMP11_RETURN_IF_ERROR(CheckSadString("client_id", sad.client_id, kMaxSadStringLength));
  SAMP11_RETURN_IF_ERROR(CheckScope(payload));
  SAMP11_ASSIGN_OR_RETURN(const json* detail, CredentialDetail(payload));
  SAMP11_RETURN_IF_ERROR(ParseCredentialDetail(*detail, claims));
  return CheckSadClaimValues(claims);
}

}  // namespace samp11
