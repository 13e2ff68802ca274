// Public keys as operators enrol them (PEM or JWK) and as RFC 7638 thumbprints name them.
#include <openssl/core_names.h>
#include <openssl/pem.h>

#include <algorithm>
#include <climits>

#include "crypto/digest.h"
#include "crypto/json.h"
#include "crypto/jwks.h"
#include "crypto/key_parts.h"
#include "crypto/keys.h"
#include "crypto/ossl.h"

namespace samp11 {

namespace {

using nlohmann::json;

constexpr std::string_view kPemBegin = "-----BEGIN PUBLIC KEY-----";
constexpr std::string_view kPemEnd = "-----END PUBLIC KEY-----";

std::string_view Trim(std::string_view text) {
  const char* kSpace = " \t\r\n";
  size_t begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return std::string_view();
  size_t end = text.find_last_not_of(kSpace);
  return text.substr(begin, end - begin + 1);
}

Status JwkError(const std::string& message) {
  return Status(Code::kArgumentsBad, "JWK: " + message);
}

Result<std::string> StringMember(const json& jwk, const char* name) {
  auto it = jwk.find(name);
  if (it == jwk.end()) return JwkError(std::string("member '") + name + "' is missing");
  if (!it->is_string()) return JwkError(std::string("member '") + name + "' is not a string");
  return it->get<std::string>();
}

// RFC 7518 section 6.2.1.2: coordinates are the full field size, never shortened.
Result<Bytes> FixedBase64Url(const json& jwk, const char* name, size_t size) {
  SAMP11_ASSIGN_OR_RETURN(std::string text, StringMember(jwk, name));
  std::optional<Bytes> bytes = Base64UrlDecode(text);
  if (!bytes) return JwkError(std::string("member '") + name + "' is not base64url");
  if (bytes->size() != size) {
    return JwkError(std::string("member '") + name + "' must be " + std::to_string(size) +
                    " bytes, got " + std::to_string(bytes->size()));
  }
  return *bytes;
}

Result<EvpPkeyPtr> EcFromJwk(const json& jwk) {
  SAMP11_ASSIGN_OR_RETURN(std::string crv, StringMember(jwk, "crv"));
  KeyType type;
  if (crv == "P-256") {
    type = KeyType::kEcP256;
  } else if (crv == "P-384") {
    type = KeyType::kEcP384;
  } else {
    return Status(Code::kUnsupported, "JWK: EC curve '" + Excerpt(crv) + "' is not supported");
  }
  SAMP11_ASSIGN_OR_RETURN(Bytes x, FixedBase64Url(jwk, "x", FieldSize(type)));
  SAMP11_ASSIGN_OR_RETURN(Bytes y, FixedBase64Url(jwk, "y", FieldSize(type)));
  // Sized up front: GCC 12 at -O2 misreads a growing insert as out of bounds (-Warray-bounds).
  Bytes point(1 + x.size() + y.size());
  point[0] = 0x04;
  std::copy(x.begin(), x.end(), point.begin() + 1);
  std::copy(y.begin(), y.end(), point.begin() + 1 + static_cast<std::ptrdiff_t>(x.size()));
  return EcPublicFromPoint(type, point);
}

Result<EvpPkeyPtr> OkpFromJwk(const json& jwk) {
  SAMP11_ASSIGN_OR_RETURN(std::string crv, StringMember(jwk, "crv"));
  if (crv != "Ed25519") {
    return Status(Code::kUnsupported, "JWK: OKP curve '" + Excerpt(crv) + "' is not supported");
  }
  SAMP11_ASSIGN_OR_RETURN(Bytes x, FixedBase64Url(jwk, "x", 32));
  EvpPkeyPtr key(EVP_PKEY_new_raw_public_key_ex(LibCtx(), "ED25519", nullptr, x.data(), x.size()));
  if (!key) return OpenSslError("JWK: Ed25519 key does not decode", Code::kArgumentsBad);
  return key;
}

// RFC 7518 section 6.3.1: n and e are unsigned big-endian, base64url; their size is the key's.
Result<EvpPkeyPtr> RsaFromJwk(const json& jwk) {
  SAMP11_ASSIGN_OR_RETURN(std::string n_text, StringMember(jwk, "n"));
  SAMP11_ASSIGN_OR_RETURN(std::string e_text, StringMember(jwk, "e"));
  std::optional<Bytes> n = Base64UrlDecode(n_text);
  std::optional<Bytes> e = Base64UrlDecode(e_text);
  if (!n || n->empty()) return JwkError("member 'n' is not base64url");
  if (!e || e->empty()) return JwkError("member 'e' is not base64url");
  // Bounds the work before OpenSSL sees the numbers: 4096 bits is the largest key samp11 uses,
  // and an exponent longer than 8 bytes is no real key's.
  if (n->size() > 512 || e->size() > 8) return JwkError("RSA 'n' or 'e' is too long");
  Result<EvpPkeyPtr> key = PublicKeyFromRsaParts(*n, *e);
  if (!key.ok()) return JwkError(key.status().message());
  return key;
}

Result<EvpPkeyPtr> PublicKeyFromJwk(std::string_view text) {
  Result<json> parsed = ParseJsonObject(text, Code::kArgumentsBad);
  if (!parsed.ok()) return JwkError(parsed.status().message());
  return PublicKeyFromJwkObject(*parsed);
}

Result<EvpPkeyPtr> PublicKeyFromPem(std::string_view text) {
  if (text.size() > size_t(INT_MAX)) return Status(Code::kArgumentsBad, "PEM too large");
  // Exactly one PUBLIC KEY block: text after it would otherwise be silently ignored.
  if (text.substr(text.size() - std::min(text.size(), kPemEnd.size())) != kPemEnd ||
      text.find(kPemBegin, 1) != std::string_view::npos) {
    return Status(Code::kArgumentsBad, "PEM: expected exactly one PUBLIC KEY block");
  }
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!bio) return OpenSslError("BIO_new_mem_buf");
  EvpPkeyPtr key(PEM_read_bio_PUBKEY_ex(bio.get(), nullptr, nullptr, nullptr, LibCtx(), nullptr));
  if (!key) return OpenSslError("PEM public key does not parse", Code::kArgumentsBad);
  return key;
}

}  // namespace

const char* JwkPrivateMember(const json& jwk) {
  for (const char* secret : {"d", "p", "q", "dp", "dq", "qi", "k", "oth"}) {
    if (jwk.contains(secret)) return secret;
  }
  return nullptr;
}

Result<EvpPkeyPtr> PublicKeyFromJwkObject(const json& jwk) {
  if (!jwk.is_object()) return JwkError("a JWK is a JSON object");
  // An enrolled activation key is public; a private member means a secret was pasted in the
  // wrong place, and accepting it would store it in the clear.
  if (const char* secret = JwkPrivateMember(jwk)) {
    return JwkError(std::string("private member '") + secret + "' present; enrol the public key");
  }
  SAMP11_ASSIGN_OR_RETURN(std::string kty, StringMember(jwk, "kty"));
  if (kty == "EC") return EcFromJwk(jwk);
  if (kty == "OKP") return OkpFromJwk(jwk);
  if (kty == "RSA") return RsaFromJwk(jwk);
  return Status(Code::kUnsupported, "JWK: kty '" + Excerpt(kty) + "' is not supported");
}

Result<EvpPkeyPtr> PublicKeyFromPemOrJwk(std::string_view text) {
  std::string_view trimmed = Trim(text);
  Result<EvpPkeyPtr> key = Status(Code::kArgumentsBad, "neither a PEM PUBLIC KEY nor a JWK");
  if (trimmed.substr(0, kPemBegin.size()) == kPemBegin) {
    key = PublicKeyFromPem(trimmed);
  } else if (!trimmed.empty() && trimmed.front() == '{') {
    key = PublicKeyFromJwk(trimmed);
  }
  if (!key.ok()) return key.status();
  // Only key types samp11 can use are accepted, so a bad enrolment fails now, not at first use.
  SAMP11_RETURN_IF_ERROR(KeyTypeOf(key->get()).status());
  return key;
}

Result<std::string> PublicKeyToJwk(EVP_PKEY* key) {
  SAMP11_ASSIGN_OR_RETURN(KeyType type, KeyTypeOf(key));
  // nlohmann::json keeps members sorted, which is the lexicographic order RFC 7638 requires, and
  // dump() without indent emits no whitespace.
  json jwk;
  switch (FamilyOf(type)) {
    case KeyFamily::kEc: {
      SAMP11_ASSIGN_OR_RETURN(EcCoordinates xy, EcPublicCoordinates(key));
      jwk["crv"] = type == KeyType::kEcP256 ? "P-256" : "P-384";
      jwk["kty"] = "EC";
      jwk["x"] = Base64UrlEncode(xy.x);
      jwk["y"] = Base64UrlEncode(xy.y);
      break;
    }
    case KeyFamily::kEdwards: {
      SAMP11_ASSIGN_OR_RETURN(Bytes x, Ed25519PublicBytes(key));
      jwk["crv"] = "Ed25519";
      jwk["kty"] = "OKP";
      jwk["x"] = Base64UrlEncode(x);
      break;
    }
    case KeyFamily::kRsa: {
      SAMP11_ASSIGN_OR_RETURN(RsaPublicParts parts, RsaPublic(key));
      jwk["e"] = Base64UrlEncode(parts.public_exponent);
      jwk["kty"] = "RSA";
      jwk["n"] = Base64UrlEncode(parts.modulus);
      break;
    }
  }
  return jwk.dump();
}

Result<std::string> JwkThumbprint(EVP_PKEY* key) {
  SAMP11_ASSIGN_OR_RETURN(std::string jwk, PublicKeyToJwk(key));
  return Base64UrlEncode(Digest(HashAlg::kSha256, ToBytes(jwk)));
}

}  // namespace samp11
