#include "sad/rules.h"

#include <set>

namespace samp11 {

namespace {

Status Invalid(const std::string& message) {
  return Status(Code::kActivationInvalid, "SAD " + message);
}

}  // namespace

Status CheckSadString(const char* name, std::string_view value, size_t max_length) {
  if (value.empty()) return Invalid(std::string("claim '") + name + "' is empty");
  if (value.size() > max_length) {
    return Invalid(std::string("claim '") + name + "' is longer than " +
                   std::to_string(max_length) + " bytes");
  }
  // JSON escapes can carry NUL or newlines into a name; they have no place in an identifier and
  // would let one claim look like another in logs.
  for (char c : value) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Invalid(std::string("claim '") + name + "' contains a control character");
    }
  }
  return Status::Ok();
}

namespace {

bool IsLowerHex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Status CheckTime(const char* name, int64_t value) {
  if (value < 0 || value > kMaxNumericDate) {
    return Invalid(std::string("claim '") + name + "' is out of range");
  }
  return Status::Ok();
}

}  // namespace

Status CheckSadClaimValues(const SadClaims& claims) {
  SAMP11_RETURN_IF_ERROR(CheckSadString("iss", claims.iss, kMaxSadStringLength));
  SAMP11_RETURN_IF_ERROR(CheckSadString("sub", claims.sub, kMaxSadStringLength));
  SAMP11_RETURN_IF_ERROR(CheckSadString("aud", claims.aud, kMaxSadStringLength));
  SAMP11_RETURN_IF_ERROR(CheckSadString("credentialID", claims.credential_id, kMaxSadStringLength));
  // CKA_ID bytes are compared as text, so one spelling only: lower-case hex.
  if (claims.credential_id.size() % 2 != 0 || !IsLowerHex(claims.credential_id)) {
    return Invalid("claim 'credentialID' must be lower-case hex of even length");
  }
  SAMP11_RETURN_IF_ERROR(CheckSadString("jti", claims.jti, kMaxJtiLength));
  if (claims.hashes.empty()) return Invalid("claim 'hashes' is empty");
  std::set<Bytes> seen;
  for (size_t i = 0; i < claims.hashes.size(); ++i) {
    if (claims.hashes[i].size() != HashSize(claims.hash_alg)) {
      return Invalid("hashes[" + std::to_string(i) + "] is " +
                     std::to_string(claims.hashes[i].size()) + " bytes, " +
                     HashName(claims.hash_alg) + " needs " +
                     std::to_string(HashSize(claims.hash_alg)));
    }
    // A repeated hash would make numSignatures promise more signatures than distinct documents.
    if (!seen.insert(claims.hashes[i]).second) {
      return Invalid("hashes[" + std::to_string(i) + "] repeats an earlier hash");
    }
  }
  SAMP11_RETURN_IF_ERROR(CheckTime("iat", claims.iat));
  SAMP11_RETURN_IF_ERROR(CheckTime("exp", claims.exp));
  return Status::Ok();
}

Status CheckSadKid(std::string_view kid) {
  if (kid.empty()) return Invalid("header: kid is empty");
  if (kid.size() > kMaxSadStringLength) return Invalid("header: kid is too long");
  for (char c : kid) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Invalid("header: kid contains a control character");
    }
  }
  return Status::Ok();
}

}  // namespace samp11
