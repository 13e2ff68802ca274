// ParseSad: the structure of a received SAD, checked before any cryptography touches it.
#include "crypto/json.h"
#include "sad/json_claims.h"
#include "sad/rules.h"
#include "sad/sad.h"

namespace samp11 {

namespace {

using nlohmann::json;

Status Invalid(const std::string& message) { return SadInvalid(message); }

Result<Bytes> DecodePart(std::string_view part, const char* name) {
  if (part.empty()) return Invalid(std::string(name) + " part is empty");
  std::optional<Bytes> bytes = Base64UrlDecode(part);
  if (!bytes) return Invalid(std::string(name) + " part is not unpadded base64url");
  return *bytes;
}

Result<json> DecodeJsonPart(std::string_view part, const char* name) {
  SAMP11_ASSIGN_OR_RETURN(Bytes bytes, DecodePart(part, name));
  Result<json> value =
      ParseJsonObject(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                      Code::kActivationInvalid);
  if (!value.ok()) return Invalid(std::string(name) + ": " + value.status().message());
  return value;
}

Result<std::string> HeaderString(const json& header, const char* name) {
  return SadString(header, name, std::string("header: ") + name);
}

Result<std::string> ClaimString(const json& payload, const char* name) {
  return SadString(payload, name, std::string("claim '") + name + "'");
}

Result<int64_t> ClaimInteger(const json& payload, const char* name) {
  return SadInteger(payload, name, std::string("claim '") + name + "'");
}

Status ParseHeader(const json& header, ParsedSad& sad) {
  // A SAD names its key by kid only: any other member (jwk, jku, x5u, crit, ...) could smuggle
  // in a key or change how the signature is read, so the member set is closed.
  for (const auto& item : header.items()) {
    if (item.key() != "alg" && item.key() != "kid" && item.key() != "typ") {
      return Invalid("header: member '" + Excerpt(item.key()) + "' is not allowed");
    }
  }
  SAMP11_ASSIGN_OR_RETURN(std::string alg_name, HeaderString(header, "alg"));
  Result<SadAlg> alg = SadAlgFromName(alg_name);
  if (!alg.ok()) return Invalid("header: alg '" + Excerpt(alg_name) + "' is not allowed");
  sad.alg = *alg;
  SAMP11_ASSIGN_OR_RETURN(sad.kid, HeaderString(header, "kid"));
  SAMP11_RETURN_IF_ERROR(CheckSadKid(sad.kid));
  SAMP11_ASSIGN_OR_RETURN(std::string typ, HeaderString(header, "typ"));
  if (typ == kSadType) {
    sad.form = SadForm::kSamp11;
  } else if (typ == kAccessTokenType || typ == kAccessTokenMediaType) {
    sad.form = SadForm::kAccessToken;
  } else {
    return Invalid(std::string("header: typ must be '") + kSadType + "' or '" + kAccessTokenType +
                   "'");
  }
  return Status::Ok();
}

Status ParseHashes(const json& payload, SadClaims& claims) {
  auto it = payload.find("hashes");
  if (it == payload.end()) return Invalid("claim 'hashes' is missing");
  if (!it->is_array()) return Invalid("claim 'hashes' is not an array");
  for (size_t i = 0; i < it->size(); ++i) {
    SAMP11_ASSIGN_OR_RETURN(Bytes hash, SadDigest((*it)[i], "hashes[" + std::to_string(i) + "]"));
    claims.hashes.push_back(std::move(hash));
  }
  return Status::Ok();
}

// Unknown claims are ignored so that devices may add claims before every token knows them; the
// required ones must be present with exactly the JSON type the contract gives.
Status ParseClaims(const json& payload, SadClaims& claims) {
  SAMP11_ASSIGN_OR_RETURN(claims.iss, ClaimString(payload, "iss"));
  SAMP11_ASSIGN_OR_RETURN(claims.sub, ClaimString(payload, "sub"));
  SAMP11_ASSIGN_OR_RETURN(claims.aud, ClaimString(payload, "aud"));
  SAMP11_ASSIGN_OR_RETURN(claims.credential_id, ClaimString(payload, "credentialID"));
  SAMP11_ASSIGN_OR_RETURN(std::string oid, ClaimString(payload, "hashAlgorithmOID"));
  std::optional<HashAlg> hash_alg = HashFromOid(oid);
  if (!hash_alg) return Invalid("claim 'hashAlgorithmOID' names an unsupported hash");
  claims.hash_alg = *hash_alg;
  SAMP11_RETURN_IF_ERROR(ParseHashes(payload, claims));
  SAMP11_ASSIGN_OR_RETURN(int64_t num_signatures, ClaimInteger(payload, "numSignatures"));
  if (num_signatures < 0 || static_cast<uint64_t>(num_signatures) != claims.hashes.size()) {
    return Invalid("claim 'numSignatures' is " + std::to_string(num_signatures) +
                   " but there are " + std::to_string(claims.hashes.size()) + " hashes");
  }
  SAMP11_ASSIGN_OR_RETURN(claims.iat, ClaimInteger(payload, "iat"));
  SAMP11_ASSIGN_OR_RETURN(claims.exp, ClaimInteger(payload, "exp"));
  SAMP11_ASSIGN_OR_RETURN(claims.jti, ClaimString(payload, "jti"));
  return CheckSadClaimValues(claims);
}

}  // namespace

Result<ParsedSad> ParseSad(std::string_view compact) {
  // Cheap checks first: the length bound caps every later cost.
  if (compact.size() > kMaxSadLength) {
    return Status(Code::kActivationTooLong, "SAD is " + std::to_string(compact.size()) +
                                                " bytes, the limit is " +
                                                std::to_string(kMaxSadLength));
  }
  if (compact.empty()) return Invalid("is empty");
  for (size_t i = 0; i < compact.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(compact[i]);
    if (c < 0x21 || c > 0x7e) {
      return Invalid("has a non-printable or non-ASCII byte at offset " + std::to_string(i));
    }
  }
  size_t first = compact.find('.');
  size_t second = first == std::string_view::npos ? first : compact.find('.', first + 1);
  if (second == std::string_view::npos || compact.find('.', second + 1) != std::string_view::npos) {
    return Invalid("must be three base64url parts separated by two '.'");
  }
  std::string_view header_part = compact.substr(0, first);
  std::string_view payload_part = compact.substr(first + 1, second - first - 1);
  std::string_view signature_part = compact.substr(second + 1);

  ParsedSad sad{};
  SAMP11_ASSIGN_OR_RETURN(json header, DecodeJsonPart(header_part, "header"));
  SAMP11_RETURN_IF_ERROR(ParseHeader(header, sad));
  SAMP11_ASSIGN_OR_RETURN(json payload, DecodeJsonPart(payload_part, "payload"));
  if (sad.form == SadForm::kAccessToken) {
    SAMP11_RETURN_IF_ERROR(ParseAccessTokenClaims(payload, sad));
  } else {
    SAMP11_RETURN_IF_ERROR(ParseClaims(payload, sad.claims));
  }
  SAMP11_ASSIGN_OR_RETURN(sad.signature, DecodePart(signature_part, "signature"));
  sad.signing_input = std::string(compact.substr(0, second));
  return sad;
}

}  // namespace samp11
