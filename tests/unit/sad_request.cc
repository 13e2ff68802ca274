// The activation request a SAD provider sends to the signer's device: its JSON form both ways,
// and the refusals of a strict reader.
#include <doctest/doctest.h>

#include "sad/request.h"

namespace samp11 {
namespace {

ActivationRequest Example() {
  ActivationRequest r;
  r.request_id = "00112233445566778899aabbccddeeff";
  r.token_label = "demo";
  r.token_identity = "5b2c0f9ad1e84b7c8e3f6a1d2c4b9e07";
  r.signer = "alice";
  r.key_id = "a11ce001";
  r.key_type = "ec-p256";
  r.mechanism = "CKM_ECDSA";
  r.hash_alg = HashAlg::kSha384;
  r.hash = Bytes(48, 0x42);
  r.caller_pid = 4242;
  r.caller_executable = "/usr/bin/pdfsig";
  r.label = "contract 42";
  r.created = 1795000000;
  r.expires = 1795000120;
  return r;
}

TEST_CASE("activation request: JSON round trip") {
  const ActivationRequest r = Example();
  const std::string json = ActivationRequestToJson(r);
  CHECK(json.find("\"type\":\"samp11-activation-request\"") != std::string::npos);
  CHECK(json.find("\"hashAlgorithmOID\":\"2.16.840.1.101.3.4.2.2\"") != std::string::npos);
  auto back = ParseActivationRequest(json);
  REQUIRE_MESSAGE(back.ok(), back.status().ToString());
  CHECK(back->request_id == r.request_id);
  CHECK(back->token_identity == r.token_identity);
  CHECK(back->signer == r.signer);
  CHECK(back->key_id == r.key_id);
  CHECK(back->mechanism == r.mechanism);
  CHECK(back->hash_alg == HashAlg::kSha384);
  CHECK(back->hash == r.hash);
  CHECK(back->caller_pid == 4242);
  CHECK(back->caller_executable == r.caller_executable);
  CHECK(back->label == r.label);
  CHECK(back->expires == r.expires);
}

TEST_CASE("activation request: a strict reader") {
  const std::string good = ActivationRequestToJson(Example());
  auto refused = [](const std::string& json) {
    return ParseActivationRequest(json).status().code() == Code::kArgumentsBad;
  };
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    size_t at = s.find(from);
    REQUIRE(at != std::string::npos);
    return s.replace(at, from.size(), to);
  };
  CHECK(refused("not json"));
  CHECK(refused("[]"));
  CHECK(refused(replace("samp11-activation-request", "something-else")));
  CHECK(refused(replace("\"version\":1", "\"version\":2")));
  CHECK(refused(replace("\"signer\":\"alice\"", "\"signer\":\"\"")));
  CHECK(refused(replace("\"signer\":\"alice\"", "\"signer\":7")));
  CHECK(refused(replace("2.16.840.1.101.3.4.2.2", "1.2.3")));
  CHECK(refused(replace("\"pid\":4242", "\"pid\":\"4242\"")));
  // A hash of the wrong length for its algorithm.
  CHECK(refused(replace("2.16.840.1.101.3.4.2.2", "2.16.840.1.101.3.4.2.1")));
  // A member twice: two readers could see two different requests.
  CHECK(refused(replace("\"signer\":\"alice\"", "\"signer\":\"alice\",\"signer\":\"bob\"")));
  // The label may be empty, the signer may not.
  CHECK(ParseActivationRequest(replace("\"label\":\"contract 42\"", "\"label\":\"\"")).ok());
}

TEST_CASE("activation request: a hostile label is shown harmless") {
  CHECK(DisplayText("fine text") == "fine text");
  CHECK(DisplayText("line\nforged: yes\x1b[2J") == "line?forged: yes?[2J");
  CHECK(DisplayText(std::string(300, 'a'), 10) == "aaaaaaaaaa...");
  ActivationRequest r = Example();
  r.label = "\xff\xfe not utf-8";
  auto back = ParseActivationRequest(ActivationRequestToJson(r));
  CHECK(back.ok());  // replaced, never a reason to throw
}

}  // namespace
}  // namespace samp11
