// The OCRA SAD (docs/sad.md, "OCRA SADs"): a signer's approval of one document hash proved by an
// OCRA response (RFC 6287) computed over that hash as the challenge, by a token (or app) that
// holds the secret `samp11 signer set-ocra` made. Its form:
//   "ocra1." BASE64URL(JSON)   with JSON
//   {"signer":..., "credentialID":..., "hashAlgorithmOID":"2.16.840.1.101.3.4.2.1",
//    "hash":BASE64(SHA-256 hash), "response":"12345678"}
// Nothing in it is signed: the response is the proof, and the SAM recomputes it (sam/). This
// layer only reads the form.
#pragma once

#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/digest.h"
#include "sad/sad.h"

namespace samp11 {

inline constexpr char kOcraSadPrefix[] = "ocra1.";

struct OcraSad {
  std::string signer;
  std::string credential_id;  // the key's CKA_ID, lower-case hex
  HashAlg hash_alg = HashAlg::kSha256;
  Bytes hash;
  std::string response;  // 4..10 decimal digits
};

// "ocra1." followed by what can only be a base64url JSON object ("eyJ"): the form a C_Login
// value must have to be read as an OCRA SAD rather than a PIN.
bool LooksLikeOcraSad(std::string_view text);

// The form only: the prefix, strict base64url, one JSON object with exactly these members, each
// of its type; a SHA-256 hash (the only one a 64-digit hex challenge holds); a response of 4 to
// 10 digits. kActivationInvalid naming the rule, kActivationTooLong past kMaxSadLength.
Result<OcraSad> ParseOcraSad(std::string_view text);

// The text of an OCRA SAD (for the reference device and the tests).
std::string OcraSadText(const OcraSad& sad);

}  // namespace samp11
