#include "sad/request.h"

#include <nlohmann/json.hpp>

#include "crypto/json.h"

namespace samp11 {
namespace {

Status Invalid(const std::string& message) {
  return Status(Code::kArgumentsBad, "activation request: " + message);
}

constexpr size_t kMaxField = 4096;

Result<std::string> String(const nlohmann::json& object, const char* name, bool may_be_empty) {
  if (!object.contains(name)) return Invalid(std::string("no '") + name + "'");
  const nlohmann::json& value = object.at(name);
  if (!value.is_string()) return Invalid(std::string("'") + name + "' is not a string");
  std::string text = value.get<std::string>();
  if (text.empty() && !may_be_empty) return Invalid(std::string("'") + name + "' is empty");
  if (text.size() > kMaxField) return Invalid(std::string("'") + name + "' is too long");
  return text;
}

Result<int64_t> Integer(const nlohmann::json& object, const char* name) {
  if (!object.contains(name)) return Invalid(std::string("no '") + name + "'");
  const nlohmann::json& value = object.at(name);
  if (!value.is_number_integer()) return Invalid(std::string("'") + name + "' is not an integer");
  if (value.is_number_unsigned() && value.get<uint64_t>() > (uint64_t{1} << 62)) {
    return Invalid(std::string("'") + name + "' is out of range");
  }
  return value.get<int64_t>();
}

Result<nlohmann::json> Object(const nlohmann::json& object, const char* name) {
  if (!object.contains(name) || !object.at(name).is_object()) {
    return Invalid(std::string("'") + name + "' is not an object");
  }
  return object.at(name);
}

}  // namespace

std::string ActivationRequestToJson(const ActivationRequest& r) {
  nlohmann::ordered_json j;
  j["type"] = kActivationRequestType;
  j["version"] = kActivationRequestVersion;
  j["request_id"] = r.request_id;
  j["token"] = {{"label", r.token_label}, {"identity", r.token_identity}};
  j["signer"] = r.signer;
  j["key"] = {{"credentialID", r.key_id}, {"type", r.key_type}};
  j["mechanism"] = r.mechanism;
  j["hashAlgorithmOID"] = HashOid(r.hash_alg);
  j["hash"] = Base64Encode(r.hash);
  j["caller"] = {{"pid", r.caller_pid}, {"executable", r.caller_executable}};
  j["label"] = r.label;
  j["created"] = r.created;
  j["expires"] = r.expires;
  if (!r.ocra_suite.empty()) {
    j["ocra"] = {{"suite", r.ocra_suite}, {"challenge", r.ocra_challenge}};
  }
  // Invalid UTF-8 (a label from a hostile caller) is replaced, never a reason to throw.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<ActivationRequest> ParseActivationRequest(std::string_view json) {
  SAMP11_ASSIGN_OR_RETURN(nlohmann::json j, ParseJsonObject(json, Code::kArgumentsBad, 4));
  ActivationRequest r;
  SAMP11_ASSIGN_OR_RETURN(std::string type, String(j, "type", false));
  if (type != kActivationRequestType)
    return Invalid("type is not " + std::string(kActivationRequestType));
  SAMP11_ASSIGN_OR_RETURN(int64_t version, Integer(j, "version"));
  if (version != kActivationRequestVersion) {
    return Invalid("version " + std::to_string(version) + " is not supported");
  }
  SAMP11_ASSIGN_OR_RETURN(r.request_id, String(j, "request_id", false));
  SAMP11_ASSIGN_OR_RETURN(nlohmann::json token, Object(j, "token"));
  SAMP11_ASSIGN_OR_RETURN(r.token_label, String(token, "label", true));
  SAMP11_ASSIGN_OR_RETURN(r.token_identity, String(token, "identity", false));
  SAMP11_ASSIGN_OR_RETURN(r.signer, String(j, "signer", false));
  SAMP11_ASSIGN_OR_RETURN(nlohmann::json key, Object(j, "key"));
  SAMP11_ASSIGN_OR_RETURN(r.key_id, String(key, "credentialID", false));
  SAMP11_ASSIGN_OR_RETURN(r.key_type, String(key, "type", false));
  SAMP11_ASSIGN_OR_RETURN(r.mechanism, String(j, "mechanism", false));
  SAMP11_ASSIGN_OR_RETURN(std::string oid, String(j, "hashAlgorithmOID", false));
  std::optional<HashAlg> alg = HashFromOid(oid);
  if (!alg) return Invalid("hashAlgorithmOID names an unsupported hash");
  r.hash_alg = *alg;
  SAMP11_ASSIGN_OR_RETURN(std::string hash, String(j, "hash", false));
  std::optional<Bytes> decoded = Base64Decode(hash);
  if (!decoded || decoded->size() != HashSize(r.hash_alg)) {
    return Invalid("hash is not a base64 digest of the named algorithm");
  }
  r.hash = std::move(*decoded);
  SAMP11_ASSIGN_OR_RETURN(nlohmann::json caller, Object(j, "caller"));
  SAMP11_ASSIGN_OR_RETURN(r.caller_pid, Integer(caller, "pid"));
  SAMP11_ASSIGN_OR_RETURN(r.caller_executable, String(caller, "executable", true));
  SAMP11_ASSIGN_OR_RETURN(r.label, String(j, "label", true));
  SAMP11_ASSIGN_OR_RETURN(r.created, Integer(j, "created"));
  SAMP11_ASSIGN_OR_RETURN(r.expires, Integer(j, "expires"));
  if (j.contains("ocra")) {
    SAMP11_ASSIGN_OR_RETURN(nlohmann::json ocra, Object(j, "ocra"));
    SAMP11_ASSIGN_OR_RETURN(r.ocra_suite, String(ocra, "suite", false));
    SAMP11_ASSIGN_OR_RETURN(r.ocra_challenge, String(ocra, "challenge", false));
    if (r.ocra_challenge != HexEncode(r.hash)) {
      return Invalid("ocra.challenge is not the hash in lower-case hex");
    }
  }
  return r;
}

std::string DisplayText(std::string_view text, size_t max_chars) {
  std::string out;
  for (char c : text) {
    if (out.size() >= max_chars) {
      out += "...";
      break;
    }
    const auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? c : '?';
  }
  return out;
}

}  // namespace samp11
