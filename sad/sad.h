// The Signature Activation Data format: a JWS compact serialization (RFC 7515) whose claims follow
// the Cloud Signature Consortium API names. docs/sad.md is the contract; this is its code.
// This layer parses, checks signatures and time, and issues; who may sign what is the SAM's call.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/digest.h"
#include "crypto/ossl.h"
#include "crypto/sad_alg.h"

namespace samp11 {

constexpr char kSadType[] = "samp11-sad+jwt";
// The second form: an OAuth 2.0 access token in the JWT profile of RFC 9068, as a CSC v2
// authorization server issues it (scope "credential", RFC 9396 authorization_details of type
// "credential"). Its typ is one of these two; docs/sad.md has the claims.
constexpr char kAccessTokenType[] = "at+jwt";
constexpr char kAccessTokenMediaType[] = "application/at+jwt";
enum class SadForm { kSamp11, kAccessToken };
// A SAD longer than this is refused before any parsing (kActivationTooLong). 100 SHA-512 hashes
// in base64 take about 9 KiB; 16 KiB leaves room for long names.
constexpr size_t kMaxSadLength = 16384;

struct SadClaims {
  std::string iss;
  // The signer's name. An access token's sub is the authorization server's subject: the SAM puts
  // the signer enrolled for it here (ParsedSad::token_subject keeps the token's own value).
  std::string sub;
  std::string aud;  // the token's identity (an access token: its first aud value)
  // An access token's aud values (a string or an array of them); empty for the samp11 form.
  std::vector<std::string> audiences;
  std::string credential_id;  // the key's CKA_ID, lower-case hex
  HashAlg hash_alg = HashAlg::kSha256;
  std::vector<Bytes> hashes;  // 1..N distinct digests of hash_alg's size
  int64_t iat = 0;
  int64_t exp = 0;
  std::string jti;
};

struct ParsedSad {
  SadAlg alg;
  std::string kid;
  SadForm form = SadForm::kSamp11;
  SadClaims claims;
  // An access token's sub and client_id as the token has them, for the audit log and logs.
  std::string token_subject;
  std::string client_id;
  std::string signing_input;  // BASE64URL(header) "." BASE64URL(payload)
  Bytes signature;            // JWS form (r||s for ECDSA)
};

// Structure only: three base64url parts, the header's alg/kid/typ, every claim present with the
// right JSON type, numSignatures == number of hashes, distinct hashes of the right size. The typ
// decides the form: samp11-sad+jwt, or an access token (at+jwt) whose credential authorization
// detail gives credentialID, hashAlgorithmOID and the hashes (its documentDigests). Refusals
// are kActivationInvalid (kActivationTooLong past kMaxSadLength); the message says which rule.
Result<ParsedSad> ParseSad(std::string_view compact);

// Verifies the signature with the registered key. expected_alg is the registered key's
// algorithm: a header naming any other algorithm is refused (no algorithm confusion, no "none").
Status VerifySadSignature(const ParsedSad& sad, EVP_PKEY* key, SadAlg expected_alg);

struct SadTimePolicy {
  int64_t max_lifetime_seconds = 300;  // exp - iat
  int64_t clock_skew_seconds = 30;
  size_t max_hashes = 100;
  // An audience an access token may name instead of the token's identity: the URI under which
  // the authorization server knows this SAM (configuration "sad": {"audience"}). Empty: none.
  std::string audience;
};
// aud must equal token_identity (an access token: one of its aud values must be token_identity
// or policy.audience); iat - skew <= now < exp + skew; 0 < exp - iat <= max_lifetime; at most
// max_hashes hashes. Expired is kActivationExpired, everything else kActivationInvalid.
Status CheckSadClaims(const SadClaims& claims, std::string_view token_identity, int64_t now,
                      const SadTimePolicy& policy);

// Builds and signs a SAD (the device's side; also `samp11 sad issue`). The algorithm follows
// the key. numSignatures is set to hashes.size().
Result<std::string> IssueSad(const SadClaims& claims, std::string_view kid, EVP_PKEY* device_key);

}  // namespace samp11
