// IssueSad: the device's side, building and signing a SAD the parser accepts.
#include <nlohmann/json.hpp>

#include "crypto/signature.h"
#include "sad/rules.h"
#include "sad/sad.h"

namespace samp11 {

namespace {

Status BadArguments(const Status& status) { return Status(Code::kArgumentsBad, status.message()); }

}  // namespace

Result<std::string> IssueSad(const SadClaims& claims, std::string_view kid, EVP_PKEY* device_key) {
  Result<SadAlg> alg = SadAlgForKey(device_key);
  if (!alg.ok()) return BadArguments(alg.status());
  // Refuse here what ParseSad refuses there, so a bad issue fails at the device, not at signing.
  Status kid_ok = CheckSadKid(kid);
  if (!kid_ok.ok()) return BadArguments(kid_ok);
  Status claims_ok = CheckSadClaimValues(claims);
  if (!claims_ok.ok()) return BadArguments(claims_ok);

  // ordered_json keeps the documented member order, so issued SADs are byte-stable.
  nlohmann::ordered_json header;
  header["alg"] = SadAlgName(*alg);
  header["kid"] = std::string(kid);
  header["typ"] = kSadType;
  nlohmann::ordered_json payload;
  payload["iss"] = claims.iss;
  payload["sub"] = claims.sub;
  payload["aud"] = claims.aud;
  payload["credentialID"] = claims.credential_id;
  payload["hashAlgorithmOID"] = HashOid(claims.hash_alg);
  nlohmann::ordered_json hashes = nlohmann::ordered_json::array();
  for (const Bytes& hash : claims.hashes) hashes.push_back(Base64Encode(hash));
  payload["hashes"] = std::move(hashes);
  payload["numSignatures"] = claims.hashes.size();
  payload["iat"] = claims.iat;
  payload["exp"] = claims.exp;
  payload["jti"] = claims.jti;

  std::string signing_input;
  try {
    signing_input = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(payload.dump());
  } catch (const nlohmann::json::exception&) {
    // dump() throws only on strings that are not UTF-8.
    return Status(Code::kArgumentsBad, "SAD claims are not valid UTF-8");
  }

  Bytes input = ToBytes(signing_input);
  Result<Bytes> signature = Status(Code::kInternal, "no SAD algorithm");
  switch (*alg) {
    case SadAlg::kES256:
      signature = EcdsaSignHash(device_key, Digest(HashAlg::kSha256, input));
      break;
    case SadAlg::kES384:
      signature = EcdsaSignHash(device_key, Digest(HashAlg::kSha384, input));
      break;
    case SadAlg::kEdDSA:
      signature = Ed25519Sign(device_key, input);
      break;
    case SadAlg::kRS256:
    case SadAlg::kPS256:
      // SadAlgForKey never names them: RSA keys verify authorization servers' tokens only.
      break;
  }
  if (!signature.ok()) return signature.status();
  std::string sad = signing_input + "." + Base64UrlEncode(*signature);
  if (sad.size() > kMaxSadLength) {
    return Status(Code::kArgumentsBad, "SAD would be " + std::to_string(sad.size()) +
                                           " bytes, the limit is " + std::to_string(kMaxSadLength));
  }
  return sad;
}

}  // namespace samp11
