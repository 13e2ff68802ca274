#include "sad/ocra_sad.h"

#include <algorithm>

#include "crypto/json.h"
#include "sad/rules.h"
#include "sad/sad.h"

namespace samp11 {
namespace {

using nlohmann::json;

Status Invalid(const std::string& message) {
  return Status(Code::kActivationInvalid, "OCRA SAD " + message);
}

Result<std::string> Member(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end()) return Invalid(std::string("'") + name + "' is missing");
  if (!it->is_string()) return Invalid(std::string("'") + name + "' is not a string");
  return it->get<std::string>();
}

bool Printable(const std::string& s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) >= 0x20 && c != 0x7f; });
}

}  // namespace

bool LooksLikeOcraSad(std::string_view text) {
  return text.substr(0, sizeof(kOcraSadPrefix) - 1 + 3) == std::string(kOcraSadPrefix) + "eyJ";
}

Result<OcraSad> ParseOcraSad(std::string_view text) {
  if (text.size() > kMaxSadLength) {
    return Status(Code::kActivationTooLong,
                  "an OCRA SAD is at most " + std::to_string(kMaxSadLength) + " characters");
  }
  const std::string_view prefix(kOcraSadPrefix);
  if (text.substr(0, prefix.size()) != prefix) return Invalid("does not start with 'ocra1.'");
  std::optional<Bytes> bytes = Base64UrlDecode(text.substr(prefix.size()));
  if (!bytes || bytes->empty()) return Invalid("is not 'ocra1.' and unpadded base64url");
  Result<json> parsed =
      ParseJsonObject(std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()),
                      Code::kActivationInvalid);
  if (!parsed.ok()) return Invalid(parsed.status().message());
  const json& object = *parsed;
  // A closed member set: an OCRA SAD carries nothing the SAM would not check.
  for (const auto& item : object.items()) {
    const std::string& key = item.key();
    if (key != "signer" && key != "credentialID" && key != "hashAlgorithmOID" && key != "hash" &&
        key != "response") {
      return Invalid("member '" + Excerpt(key) + "' is not allowed");
    }
  }
  OcraSad sad;
  SAMP11_ASSIGN_OR_RETURN(sad.signer, Member(object, "signer"));
  if (sad.signer.empty() || sad.signer.size() > kMaxSadStringLength || !Printable(sad.signer)) {
    return Invalid("'signer' must be 1 to 256 bytes without control characters");
  }
  SAMP11_ASSIGN_OR_RETURN(sad.credential_id, Member(object, "credentialID"));
  const bool hex = !sad.credential_id.empty() && sad.credential_id.size() % 2 == 0 &&
                   sad.credential_id.size() <= kMaxSadStringLength &&
                   std::all_of(sad.credential_id.begin(), sad.credential_id.end(), [](char c) {
                     return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                   });
  if (!hex) return Invalid("'credentialID' must be lower-case hex");
  SAMP11_ASSIGN_OR_RETURN(std::string oid, Member(object, "hashAlgorithmOID"));
  std::optional<HashAlg> alg = HashFromOid(oid);
  if (!alg || *alg != HashAlg::kSha256) {
    return Invalid("binds a SHA-256 hash (hashAlgorithmOID 2.16.840.1.101.3.4.2.1)");
  }
  sad.hash_alg = *alg;
  SAMP11_ASSIGN_OR_RETURN(std::string hash, Member(object, "hash"));
  std::optional<Bytes> decoded = Base64Decode(hash);
  if (!decoded || decoded->size() != 32) return Invalid("'hash' must be 32 bytes, padded base64");
  sad.hash = std::move(*decoded);
  SAMP11_ASSIGN_OR_RETURN(sad.response, Member(object, "response"));
  const bool digits = sad.response.size() >= 4 && sad.response.size() <= 10 &&
                      std::all_of(sad.response.begin(), sad.response.end(),
                                  [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) return Invalid("'response' must be 4 to 10 decimal digits");
  return sad;
}

std::string OcraSadText(const OcraSad& sad) {
  nlohmann::ordered_json object;
  object["signer"] = sad.signer;
  object["credentialID"] = sad.credential_id;
  object["hashAlgorithmOID"] = HashOid(sad.hash_alg);
  object["hash"] = Base64Encode(sad.hash);
  object["response"] = sad.response;
  return std::string(kOcraSadPrefix) + Base64UrlEncode(object.dump());
}

}  // namespace samp11
