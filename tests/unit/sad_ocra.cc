// The OCRA SAD's form (sad/ocra_sad.h): what is read, and every rule that refuses.
#include <doctest/doctest.h>

#include <string>

#include "sad/ocra_sad.h"

namespace samp11 {
namespace {

std::string Encoded(const std::string& json) { return "ocra1." + Base64UrlEncode(json); }

const char kHash[] = "h4Y2b5Q849F9pC3YXoxEpwLJeKwdSk3bVyV++d0qdtM=";
const char kOid[] = "2.16.840.1.101.3.4.2.1";

std::string Json(const std::string& signer, const std::string& credential, const std::string& oid,
                 const std::string& hash, const std::string& response,
                 const std::string& extra = "") {
  return R"({"signer":")" + signer + R"(","credentialID":")" + credential +
         R"(","hashAlgorithmOID":")" + oid + R"(","hash":")" + hash + R"(","response":")" +
         response + "\"" + extra + "}";
}

TEST_CASE("ocra sad: read, and written back alike") {
  const std::string text = Encoded(Json("alice", "a11ce001", kOid, kHash, "12345678"));
  CHECK(LooksLikeOcraSad(text));
  Result<OcraSad> sad = ParseOcraSad(text);
  REQUIRE_MESSAGE(sad.ok(), sad.status().ToString());
  CHECK(sad->signer == "alice");
  CHECK(sad->credential_id == "a11ce001");
  CHECK(sad->hash == *Base64Decode(kHash));
  CHECK(sad->response == "12345678");
  CHECK(OcraSadText(*sad) == text);
}

TEST_CASE("ocra sad: what looks like one, and what does not") {
  CHECK(LooksLikeOcraSad("ocra1.eyJ"));
  CHECK_FALSE(LooksLikeOcraSad("ocra1."));
  CHECK_FALSE(LooksLikeOcraSad("ocra1.xyz"));
  CHECK_FALSE(LooksLikeOcraSad("alice:1234"));
  CHECK_FALSE(LooksLikeOcraSad("eyJhbGciOiJFUzI1NiJ9.eyJ9.c2ln"));
}

TEST_CASE("ocra sad: every rule refuses") {
  const char* bad[] = {
      R"({"signer":"alice"})",
      "[]",
      "not json",
  };
  for (const char* json : bad) {
    CAPTURE(json);
    CHECK(ParseOcraSad(Encoded(json)).status().code() == Code::kActivationInvalid);
  }
  const std::string cases[] = {
      Json("", "a11ce001", kOid, kHash, "12345678"),
      Json("al\\u0001ice", "a11ce001", kOid, kHash, "12345678"),
      Json("alice", "A11CE001", kOid, kHash, "12345678"),
      Json("alice", "a11ce00", kOid, kHash, "12345678"),
      Json("alice", "a11ce001", "2.16.840.1.101.3.4.2.2", kHash, "12345678"),
      Json("alice", "a11ce001", kOid, "AAAA", "12345678"),
      Json("alice", "a11ce001", kOid, kHash, "123"),
      Json("alice", "a11ce001", kOid, kHash, "12345678901"),
      Json("alice", "a11ce001", kOid, kHash, "1234567a"),
      Json("alice", "a11ce001", kOid, kHash, "12345678", R"(,"jti":"x")"),
      Json("alice", "a11ce001", kOid, kHash, "12345678", R"(,"signer":"bob")"),
  };
  for (const std::string& json : cases) {
    CAPTURE(json);
    CHECK(ParseOcraSad(Encoded(json)).status().code() == Code::kActivationInvalid);
  }
  CHECK(ParseOcraSad("ocra1.eyJ!").status().code() == Code::kActivationInvalid);
  CHECK(ParseOcraSad("ocra2." + Base64UrlEncode(Json("a", "aa", kOid, kHash, "1234")))
            .status()
            .code() == Code::kActivationInvalid);
  CHECK(ParseOcraSad("ocra1.eyJ" + std::string(kMaxSadLength, 'A')).status().code() ==
        Code::kActivationTooLong);
}

}  // namespace
}  // namespace samp11
