// Internal to sad/: reading typed claims out of a decoded JWS payload, shared by the two SAD
// forms (parse.cc for samp11-sad+jwt, access_token.cc for RFC 9068 access tokens).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "sad/sad.h"

namespace samp11 {

// kActivationInvalid, "SAD " + message.
Status SadInvalid(const std::string& message);
// The member name of object, a string / an integer (not 1.0, not 1e3, within int64); missing or
// of another type is kActivationInvalid naming `what` (e.g. "claim 'iss'").
Result<std::string> SadString(const nlohmann::json& object, const char* name,
                              const std::string& what);
Result<int64_t> SadInteger(const nlohmann::json& object, const char* name, const std::string& what);
// One digest as both forms carry it: standard base64 with padding (RFC 4648 section 4).
Result<Bytes> SadDigest(const nlohmann::json& value, const std::string& what);

// The claims of an access token (typ at+jwt), into sad.claims, sad.token_subject and
// sad.client_id; then CheckSadClaimValues.
Status ParseAccessTokenClaims(const nlohmann::json& payload, ParsedSad& sad);

}  // namespace samp11
