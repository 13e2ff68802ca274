#include <doctest/doctest.h>

#include "sad_test_util.h"

namespace samp11 {
namespace {

using nlohmann::ordered_json;

std::string WithHeader(const char* name, ordered_json value) {
  ordered_json header = TestHeader();
  header[name] = std::move(value);
  return Craft(header, TestPayload());
}

std::string WithoutHeader(const char* name) {
  ordered_json header = TestHeader();
  header.erase(name);
  return Craft(header, TestPayload());
}

std::string WithClaim(const char* name, ordered_json value) {
  ordered_json payload = TestPayload();
  payload[name] = std::move(value);
  return Craft(TestHeader(), payload);
}

std::string WithoutClaim(const char* name) {
  ordered_json payload = TestPayload();
  payload.erase(name);
  return Craft(TestHeader(), payload);
}

std::string ValidSad() { return Craft(TestHeader(), TestPayload()); }

TEST_CASE("header: alg") {
  CheckRefused(WithHeader("alg", "none"), "alg 'none' is not allowed");
  CheckRefused(WithHeader("alg", "HS256"), "alg 'HS256' is not allowed");
  CheckRefused(WithHeader("alg", "RS512"), "alg 'RS512' is not allowed");
  CheckRefused(WithHeader("alg", "es256"), "alg 'es256' is not allowed");
  CheckRefused(WithHeader("alg", 256), "alg is not a string");
  CheckRefused(WithoutHeader("alg"), "alg is missing");
  // The classic unsigned token: alg none with an empty signature part.
  ordered_json none = TestHeader("none");
  CheckRefused(Base64UrlEncode(none.dump()) + "." + Base64UrlEncode(TestPayload().dump()) + ".",
               "alg 'none' is not allowed");
  // A control character in the refused name is not copied into the message.
  Result<ParsedSad> parsed = ParseSad(WithHeader("alg", "HS\n256"));
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().message().find('\n') == std::string::npos);
}

TEST_CASE("header: kid and typ") {
  CheckRefused(WithoutHeader("kid"), "kid is missing");
  CheckRefused(WithHeader("kid", ""), "kid is empty");
  CheckRefused(WithHeader("kid", 7), "kid is not a string");
  CheckRefused(WithHeader("kid", std::string(257, 'k')), "kid is too long");
  CheckRefused(WithHeader("kid", "dev\tice"), "kid contains a control character");
  CHECK(ParseSad(WithHeader("kid", std::string(256, 'k'))).ok());
  CheckRefused(WithoutHeader("typ"), "typ is missing");
  CheckRefused(WithHeader("typ", "JWT"), "typ must be 'samp11-sad+jwt'");
  CheckRefused(WithHeader("typ", "SAMP11-SAD+JWT"), "typ must be");
  CheckRefused(WithHeader("typ", nullptr), "typ is not a string");
}

TEST_CASE("header: no member beyond alg, kid, typ") {
  CheckRefused(WithHeader("jwk", {{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", "AAAA"}}),
               "member 'jwk' is not allowed");
  CheckRefused(WithHeader("jku", "https://attacker.example/keys"), "member 'jku' is not allowed");
  CheckRefused(WithHeader("x5u", "https://attacker.example/cert"), "member 'x5u' is not allowed");
  CheckRefused(WithHeader("x5c", ordered_json::array({"MIIB"})), "member 'x5c' is not allowed");
  CheckRefused(WithHeader("crit", ordered_json::array({"exp"})), "member 'crit' is not allowed");
  CheckRefused(WithHeader("cty", "JWT"), "member 'cty' is not allowed");
  CheckRefused(WithHeader("b64", false), "member 'b64' is not allowed");
}

TEST_CASE("payload: every claim is required") {
  for (const char* name : {"iss", "sub", "aud", "credentialID", "hashAlgorithmOID", "hashes",
                           "numSignatures", "iat", "exp", "jti"}) {
    CAPTURE(name);
    CheckRefused(WithoutClaim(name), std::string("claim '") + name + "' is missing");
  }
}

TEST_CASE("payload: every claim has exactly its JSON type") {
  for (const char* name : {"iss", "sub", "aud", "credentialID", "hashAlgorithmOID", "jti"}) {
    CAPTURE(name);
    CheckRefused(WithClaim(name, 12), std::string("claim '") + name + "' is not a string");
    CheckRefused(WithClaim(name, nullptr), std::string("claim '") + name + "' is not a string");
    CheckRefused(WithClaim(name, ordered_json::array({"alice"})),
                 std::string("claim '") + name + "' is not a string");
  }
  for (const char* name : {"numSignatures", "iat", "exp"}) {
    CAPTURE(name);
    std::string prefix = std::string("claim '") + name + "'";
    CheckRefused(WithClaim(name, "1750000000"), prefix + " is not an integer");
    CheckRefused(WithClaim(name, 2.0), prefix + " is not an integer");
    CheckRefused(WithClaim(name, true), prefix + " is not an integer");
    CheckRefused(WithClaim(name, nullptr), prefix + " is not an integer");
  }
  CheckRefused(WithClaim("hashes", Base64Encode(Bytes(32, 1))), "claim 'hashes' is not an array");
  CheckRefused(WithClaim("hashes", {{"0", Base64Encode(Bytes(32, 1))}}),
               "claim 'hashes' is not an array");
  CheckRefused(WithClaim("hashes", ordered_json::array({Base64Encode(Bytes(32, 1)), 5})),
               "hashes[1] is not a string");
  // 1e9 is a JSON number but not an integer literal.
  std::string payload = TestPayload().dump();
  size_t at = payload.find("1750000000");
  payload.replace(at, 10, "1.75e9");
  CheckRefused(CraftRaw(TestHeader().dump(), payload), "claim 'iat' is not an integer");
}

TEST_CASE("payload: numSignatures equals the number of hashes") {
  CheckRefused(WithClaim("numSignatures", 3), "'numSignatures' is 3 but there are 2 hashes");
  CheckRefused(WithClaim("numSignatures", 1), "'numSignatures' is 1 but there are 2 hashes");
  CheckRefused(WithClaim("numSignatures", -2), "'numSignatures' is -2");
  CheckRefused(WithClaim("numSignatures", uint64_t(18446744073709551615u)),
               "claim 'numSignatures' is out of range");
}

TEST_CASE("payload: hashes") {
  std::string h1 = Base64Encode(Digest(HashAlg::kSha256, ToBytes("a")));
  std::string h2 = Base64Encode(Digest(HashAlg::kSha256, ToBytes("b")));
  ordered_json repeated = TestPayload();
  repeated["hashes"] = ordered_json::array({h1, h2, h1});
  repeated["numSignatures"] = 3;
  CheckRefused(Craft(TestHeader(), repeated), "hashes[2] repeats an earlier hash");
  ordered_json empty = TestPayload();
  empty["hashes"] = ordered_json::array();
  empty["numSignatures"] = 0;
  CheckRefused(Craft(TestHeader(), empty), "claim 'hashes' is empty");
  CheckRefused(WithClaim("hashes", ordered_json::array({h1, Base64Encode(Bytes(31, 1))})),
               "hashes[1] is 31 bytes, sha256 needs 32");
  CheckRefused(WithClaim("hashes", ordered_json::array({h1, Base64Encode(Bytes(33, 1))})),
               "hashes[1] is 33 bytes");
  // The OID decides the size: SHA-256-sized hashes under the SHA-384 OID are refused.
  CheckRefused(WithClaim("hashAlgorithmOID", HashOid(HashAlg::kSha384)),
               "hashes[0] is 32 bytes, sha384 needs 48");
  // Standard padded base64 only: url alphabet, missing padding, whitespace are refused.
  Bytes tricky(32, 0xfb);  // encodes with '+' and '/'
  CheckRefused(WithClaim("hashes", ordered_json::array({h1, Base64UrlEncode(tricky)})),
               "hashes[1] is not padded base64");
  std::string unpadded = h1.substr(0, h1.size() - 1);
  CheckRefused(WithClaim("hashes", ordered_json::array({unpadded, h2})),
               "hashes[0] is not padded base64");
  CheckRefused(WithClaim("hashes", ordered_json::array({" " + h1, h2})),
               "hashes[0] is not padded base64");
}

TEST_CASE("payload: hashAlgorithmOID") {
  CheckRefused(WithClaim("hashAlgorithmOID", "1.3.14.3.2.26"),  // SHA-1
               "'hashAlgorithmOID' names an unsupported hash");
  CheckRefused(WithClaim("hashAlgorithmOID", "sha256"), "unsupported hash");
  CheckRefused(WithClaim("hashAlgorithmOID", "2.16.840.1.101.3.4.2.1 "), "unsupported hash");
}

TEST_CASE("payload: credentialID is lower-case hex of even length") {
  CheckRefused(WithClaim("credentialID", "0A1B2C"), "'credentialID' must be lower-case hex");
  CheckRefused(WithClaim("credentialID", "0a1"), "'credentialID' must be lower-case hex");
  CheckRefused(WithClaim("credentialID", "0x1b"), "'credentialID' must be lower-case hex");
  CheckRefused(WithClaim("credentialID", ""), "claim 'credentialID' is empty");
}

TEST_CASE("payload: string lengths and content") {
  for (const char* name : {"iss", "sub", "aud", "jti"}) {
    CAPTURE(name);
    CheckRefused(WithClaim(name, ""), std::string("claim '") + name + "' is empty");
    CheckRefused(WithClaim(name, std::string("a\0b", 3)),
                 std::string("claim '") + name + "' contains a control character");
  }
  for (const char* name : {"iss", "sub", "aud"}) {
    CAPTURE(name);
    CHECK(ParseSad(WithClaim(name, std::string(256, 'x'))).ok());
    CheckRefused(WithClaim(name, std::string(257, 'x')),
                 std::string("claim '") + name + "' is longer than 256 bytes");
  }
  CHECK(ParseSad(WithClaim("credentialID", std::string(256, 'a'))).ok());
  CheckRefused(WithClaim("credentialID", std::string(258, 'a')), "longer than 256 bytes");
  CHECK(ParseSad(WithClaim("jti", std::string(128, 'j'))).ok());
  CheckRefused(WithClaim("jti", std::string(129, 'j')), "claim 'jti' is longer than 128 bytes");
  // Non-ASCII names are fine in UTF-8 (the compact form stays ASCII after base64url).
  CHECK(ParseSad(WithClaim("sub", "J\xc3\xbcrgen")).ok());
}

TEST_CASE("payload: times are sane integers") {
  CheckRefused(WithClaim("iat", -1), "claim 'iat' is out of range");
  CheckRefused(WithClaim("exp", int64_t(253402300800)), "claim 'exp' is out of range");
  CheckRefused(WithClaim("exp", uint64_t(9223372036854775808u)), "claim 'exp' is out of range");
  CHECK(ParseSad(WithClaim("exp", int64_t(253402300799))).ok());
}

TEST_CASE("compact form: parts") {
  std::string sad = ValidSad();
  CheckRefused(sad.substr(0, sad.rfind('.')), "three base64url parts separated by two '.'");
  CheckRefused(sad + ".", "three base64url parts");
  CheckRefused(sad + "." + sad.substr(0, 10), "three base64url parts");
  CheckRefused("abc", "three base64url parts");
  CheckRefused("..", "header part is empty");
  size_t first = sad.find('.');
  CheckRefused(sad.substr(first), "header part is empty");
  size_t second = sad.find('.', first + 1);
  CheckRefused(sad.substr(0, first + 1) + sad.substr(second), "payload part is empty");
  CheckRefused(sad.substr(0, second + 1), "signature part is empty");
}

TEST_CASE("compact form: strict base64url") {
  std::string sad = ValidSad();
  size_t first = sad.find('.');
  size_t second = sad.find('.', first + 1);
  std::string header = sad.substr(0, first);
  std::string payload = sad.substr(first + 1, second - first - 1);
  std::string signature = sad.substr(second + 1);
  CheckRefused("+" + sad.substr(1), "header part is not unpadded base64url");
  CheckRefused(header + "=." + payload + "." + signature, "header part is not unpadded base64url");
  CheckRefused(header + "." + payload + "/." + signature, "payload part is not unpadded base64url");
  CheckRefused(header + "." + payload + "." + signature + "=",
               "signature part is not unpadded base64url");
  // 64 signature bytes encode to 86 symbols with 4 unused bits; setting one is not canonical.
  std::string sig_bad = signature;
  sig_bad.back() = sig_bad.back() == 'A' ? 'B' : 'A';
  if (Base64UrlDecode(sig_bad)) sig_bad.back() = 'B';
  CheckRefused(header + "." + payload + "." + sig_bad, "signature part is not unpadded base64url");
  // A symbol count of 1 mod 4 never decodes.
  CheckRefused(header + "." + payload + "." + signature + "AAA", "signature part is not");
}

TEST_CASE("compact form: JSON") {
  CheckRefused(CraftRaw("{", TestPayload().dump()), "header: not valid JSON");
  CheckRefused(CraftRaw(TestHeader().dump(), "not json"), "payload: not valid JSON");
  CheckRefused(CraftRaw("[\"ES256\"]", TestPayload().dump()),
               "header: JSON value is not an object");
  CheckRefused(CraftRaw(TestHeader().dump(), "\"claims\""), "payload: JSON value is not an object");
  CheckRefused(CraftRaw(TestHeader().dump(), TestPayload().dump() + " {}"), "not valid JSON");
  CheckRefused(CraftRaw(TestHeader().dump(), "{\"sub\":\"\xff\"}"), "payload: not valid JSON");
  std::string deep = std::string(40, '[') + std::string(40, ']');
  ordered_json payload = TestPayload();
  std::string text = payload.dump();
  text.insert(text.size() - 1, ",\"x\":" + deep);
  CheckRefused(CraftRaw(TestHeader().dump(), text), "nested too deeply");
}

TEST_CASE("compact form: duplicate JSON members") {
  std::string payload = TestPayload().dump();
  std::string twice = payload;
  twice.insert(twice.size() - 1, ",\"sub\":\"mallory\"");
  CheckRefused(CraftRaw(TestHeader().dump(), twice), "payload: duplicate JSON member 'sub'");
  std::string header = R"({"alg":"ES256","kid":"device-1","typ":"samp11-sad+jwt","alg":"none"})";
  CheckRefused(CraftRaw(header, payload), "header: duplicate JSON member 'alg'");
  std::string nested = payload;
  nested.insert(nested.size() - 1, R"(,"ext":{"a":1,"a":2})");
  CheckRefused(CraftRaw(TestHeader().dump(), nested), "duplicate JSON member 'a'");
  // The same name in different objects is not a duplicate.
  std::string separate = payload;
  separate.insert(separate.size() - 1, R"(,"ext":{"sub":1,"more":{"sub":2}})");
  CHECK(ParseSad(CraftRaw(TestHeader().dump(), separate)).ok());
}

TEST_CASE("compact form: length and characters") {
  std::string sad = ValidSad();
  std::string too_long = sad + std::string(kMaxSadLength + 1 - sad.size(), 'A');
  Result<ParsedSad> parsed = ParseSad(too_long);
  CHECK(parsed.status().code() == Code::kActivationTooLong);
  CHECK(ParseSad(std::string(kMaxSadLength * 4, '.')).status().code() == Code::kActivationTooLong);
  // At the limit, the length rule passes and the structure is judged.
  std::string at_limit = sad + std::string(kMaxSadLength - sad.size(), 'A');
  CHECK(ParseSad(at_limit).status().code() == Code::kActivationInvalid);
  // A long but otherwise valid SAD (many hashes) is accepted.
  SadClaims many = TestClaims(HashAlg::kSha512);
  many.hashes.clear();
  for (int i = 0; i < 100; ++i) {
    many.hashes.push_back(Digest(HashAlg::kSha512, ToBytes(std::to_string(i))));
  }
  std::string big = Craft(TestHeader(), TestPayload(many));
  CHECK(big.size() > 9000);
  CHECK(ParseSad(big).ok());

  CheckRefused("", "is empty");
  CheckRefused(" " + sad, "non-printable or non-ASCII byte at offset 0");
  CheckRefused(sad + "\n", "non-printable or non-ASCII byte at offset");
  std::string with_tab = sad;
  with_tab.insert(10, "\t");
  CheckRefused(with_tab, "at offset 10");
  CheckRefused(sad.substr(0, 5) + "\x7f" + sad.substr(5), "at offset 5");
  CheckRefused(sad.substr(0, 5) + "\xc3\xa9" + sad.substr(5), "at offset 5");
  CheckRefused(sad.substr(0, 5) + std::string(1, '\0') + sad.substr(5), "at offset 5");
}

}  // namespace
}  // namespace samp11
