// Every way a SAD is refused, through the built module, with its precise CK_RV; and what a
// refusal must not do (spend, lock the token, end the operation at login).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "crypto/keys.h"
#include "crypto/symmetric.h"
#include "tests/integration/module_fixture.h"
#include "tests/support/state_editor.h"

namespace samp11::testing {
namespace {

const Bytes kDoc = ToBytes("contract 42");

struct Setup {
  ModuleFixture f;
  UnwrappedKey key = f.token().GenerateKey("alice", KeyType::kEcP256);
  CK_SESSION_HANDLE session = f.OpenSession();
  CK_OBJECT_HANDLE handle = f.FindKey(session, key.info.id);

  CK_RV Sign(const std::string& sad, const Bytes& data = kDoc) {
    return f.SignOnce(session, handle, Mech(CKM_ECDSA_SHA256), sad, data, nullptr);
  }
  SadSpec Spec() {
    SadSpec s;
    s.hashes = {Digest(HashAlg::kSha256, kDoc)};
    return s;
  }
  std::string Sad(SadSpec spec) { return f.token().Sad("alice", key.info, spec); }
  std::string Sad() { return Sad(Spec()); }
};

// Splits a compact JWS and puts it back together with one part replaced.
std::string ReplacePart(const std::string& sad, int index, const std::string& part) {
  size_t d1 = sad.find('.'), d2 = sad.find('.', d1 + 1);
  std::string parts[3] = {sad.substr(0, d1), sad.substr(d1 + 1, d2 - d1 - 1), sad.substr(d2 + 1)};
  parts[index] = part;
  return parts[0] + "." + parts[1] + "." + parts[2];
}
std::string Part(const std::string& sad, int index) {
  size_t d1 = sad.find('.'), d2 = sad.find('.', d1 + 1);
  if (index == 0) return sad.substr(0, d1);
  if (index == 1) return sad.substr(d1 + 1, d2 - d1 - 1);
  return sad.substr(d2 + 1);
}
nlohmann::json DecodePart(const std::string& sad, int index) {
  return nlohmann::json::parse(ToString(*Base64UrlDecode(Part(sad, index))));
}
std::string EncodeJson(const nlohmann::json& j) { return Base64UrlEncode(j.dump()); }

TEST_CASE("no SAD: C_Sign answers CKR_USER_NOT_LOGGED_IN") {
  Setup s;
  CHECK(s.Sign("") == CKR_USER_NOT_LOGGED_IN);
}

TEST_CASE("a SAD for the wrong signer, key or audience is CKR_PIN_INCORRECT") {
  Setup s;
  UnwrappedKey bobs_key = s.f.token().GenerateKey("bob", KeyType::kEcP256);
  UnwrappedKey other_key = s.f.token().GenerateKey("alice", KeyType::kEcP256);
  SadSpec spec = s.Spec();
  CHECK(s.Sign(s.f.token().Sad("bob", bobs_key.info, spec)) == CKR_PIN_INCORRECT);
  CHECK(s.Sign(s.f.token().Sad("alice", other_key.info, spec)) == CKR_PIN_INCORRECT);
  SadSpec aud = spec;
  aud.aud = "0123456789abcdef0123456789abcdef";
  CHECK(s.Sign(s.Sad(aud)) == CKR_PIN_INCORRECT);
}

TEST_CASE("a SAD that does not bind the data is CKR_FUNCTION_REJECTED") {
  Setup s;
  CHECK(s.Sign(s.Sad(), ToBytes("another document")) == CKR_FUNCTION_REJECTED);
}

TEST_CASE("expired is CKR_PIN_EXPIRED; not yet valid is CKR_PIN_INCORRECT") {
  Setup s;
  SadSpec expired = s.Spec();
  expired.iat_offset = -400;
  expired.lifetime = 300;
  CHECK(s.Sign(s.Sad(expired)) == CKR_PIN_EXPIRED);
  SadSpec future = s.Spec();
  future.iat_offset = 600;
  CHECK(s.Sign(s.Sad(future)) == CKR_PIN_INCORRECT);
  SadSpec too_long = s.Spec();
  too_long.lifetime = 3600;
  CHECK(s.Sign(s.Sad(too_long)) == CKR_PIN_INCORRECT);
}

TEST_CASE("tampered payload, signature or header is CKR_PIN_INCORRECT") {
  Setup s;
  std::string sad = s.Sad();
  nlohmann::json payload = DecodePart(sad, 1);
  payload["sub"] = "bob";
  CHECK(s.Sign(ReplacePart(sad, 1, EncodeJson(payload))) == CKR_PIN_INCORRECT);
  std::string sig = Part(sad, 2);
  sig[5] = sig[5] == 'A' ? 'B' : 'A';
  CHECK(s.Sign(ReplacePart(sad, 2, sig)) == CKR_PIN_INCORRECT);
  nlohmann::json header = DecodePart(sad, 0);
  header["kid"] = "someone-else";
  CHECK(s.Sign(ReplacePart(sad, 0, EncodeJson(header))) == CKR_PIN_INCORRECT);
  // The untouched SAD still signs: none of the refusals spent anything.
  CHECK(s.Sign(sad) == CKR_OK);
}

TEST_CASE("alg confusion: none, HMAC keyed with the public key, another curve") {
  Setup s;
  std::string sad = s.Sad();
  nlohmann::json header = DecodePart(sad, 0);
  header["alg"] = "none";
  CHECK(s.Sign(ReplacePart(ReplacePart(sad, 0, EncodeJson(header)), 2, "")) == CKR_PIN_INCORRECT);
  // HS256 whose secret is the registered public key: the classic confusion attack.
  header["alg"] = "HS256";
  std::string input = EncodeJson(header) + "." + Part(sad, 1);
  const Device& dev = s.f.token().device("alice");
  auto spki = PublicKeyToSpki(dev.key.get());
  REQUIRE(spki.ok());
  SecureBytes mac_key(spki->data(), spki->size());
  auto mac = HmacSha256(mac_key, ToBytes(input));
  REQUIRE(mac.ok());
  CHECK(s.Sign(input + "." + Base64UrlEncode(*mac)) == CKR_PIN_INCORRECT);
  header["alg"] = "ES384";
  CHECK(s.Sign(ReplacePart(sad, 0, EncodeJson(header))) == CKR_PIN_INCORRECT);
  header["alg"] = "EdDSA";
  CHECK(s.Sign(ReplacePart(sad, 0, EncodeJson(header))) == CKR_PIN_INCORRECT);
}

TEST_CASE("malformed SADs are CKR_PIN_INCORRECT; an oversized one CKR_PIN_LEN_RANGE") {
  Setup s;
  std::string sad = s.Sad();
  CHECK(s.Sign("not-a-sad") == CKR_PIN_INCORRECT);
  CHECK(s.Sign(ReplacePart(sad, 1, "!!!not*base64url")) == CKR_PIN_INCORRECT);
  CHECK(s.Sign(ReplacePart(sad, 1, Base64UrlEncode(std::string("{\"sub\":")))) ==
        CKR_PIN_INCORRECT);
  CHECK(s.Sign(sad + ".extra") == CKR_PIN_INCORRECT);
  CHECK(s.Sign(std::string(20000, 'A')) == CKR_PIN_LEN_RANGE);
  // A NUL inside the value: consumers use strlen, the module must not be fooled either way.
  std::string with_nul = sad;
  with_nul[10] = '\0';
  CHECK(s.Sign(with_nul) == CKR_PIN_INCORRECT);
}

TEST_CASE("a batch SAD of N hashes signs N documents, then is spent") {
  Setup s;
  std::vector<Bytes> docs = {ToBytes("one"), ToBytes("two"), ToBytes("three")};
  SadSpec spec;
  for (const Bytes& d : docs) spec.hashes.push_back(Digest(HashAlg::kSha256, d));
  std::string sad = s.Sad(spec);
  for (const Bytes& d : docs) CHECK(s.Sign(sad, d) == CKR_OK);
  for (const Bytes& d : docs) CHECK(s.Sign(sad, d) == CKR_FUNCTION_REJECTED);
}

TEST_CASE("a size query and CKR_BUFFER_TOO_SMALL spend nothing; the signature spends once") {
  Setup s;
  std::string sad = s.Sad();
  CK_MECHANISM mech = Mech(CKM_ECDSA_SHA256);
  Bytes data = kDoc;
  REQUIRE(s.f.p11()->C_SignInit(s.session, &mech, s.handle) == CKR_OK);
  REQUIRE(s.f.Login(s.session, CKU_CONTEXT_SPECIFIC, sad) == CKR_OK);
  CK_ULONG len = 0;
  REQUIRE(s.f.p11()->C_Sign(s.session, data.data(), data.size(), nullptr, &len) == CKR_OK);
  CHECK(len == 64);
  Bytes small(10);
  CK_ULONG small_len = small.size();
  CHECK(s.f.p11()->C_Sign(s.session, data.data(), data.size(), small.data(), &small_len) ==
        CKR_BUFFER_TOO_SMALL);
  CHECK(small_len == 64);
  Bytes sig(len);
  CHECK(s.f.p11()->C_Sign(s.session, data.data(), data.size(), sig.data(), &len) == CKR_OK);
  CHECK(s.Sign(sad) == CKR_FUNCTION_REJECTED);
}

TEST_CASE("a refused context login leaves the operation usable for a retry") {
  Setup s;
  CK_MECHANISM mech = Mech(CKM_ECDSA_SHA256);
  Bytes data = kDoc;
  REQUIRE(s.f.p11()->C_SignInit(s.session, &mech, s.handle) == CKR_OK);
  CHECK(s.f.Login(s.session, CKU_CONTEXT_SPECIFIC, "garbage") == CKR_PIN_INCORRECT);
  REQUIRE(s.f.Login(s.session, CKU_CONTEXT_SPECIFIC, s.Sad()) == CKR_OK);
  CK_ULONG len = 64;
  Bytes sig(len);
  CHECK(s.f.p11()->C_Sign(s.session, data.data(), data.size(), sig.data(), &len) == CKR_OK);
}

TEST_CASE("refused SADs never flip the PIN counter flags") {
  Setup s;
  for (int i = 0; i < 5; ++i) CHECK(s.Sign("bad-" + std::to_string(i)) == CKR_PIN_INCORRECT);
  CK_TOKEN_INFO info;
  REQUIRE(s.f.p11()->C_GetTokenInfo(s.f.slot(), &info) == CKR_OK);
  CHECK((info.flags & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED)) ==
        0);
  CHECK(s.Sign(s.Sad()) == CKR_OK);
}

// Edits a row of the token's state behind the module's back, as an attacker with access to the
// file or the database would.
void EditRow(const TokenConfig& token, const std::string& sql) {
  StateEditor state(token);
  state.Exec(sql);
  CHECK(state.Changes() > 0);
}

TEST_CASE("a key row moved to another signer is refused with CKR_DEVICE_ERROR") {
  ModuleFixture f;
  UnwrappedKey bobs = f.token().GenerateKey("bob", KeyType::kEcP256);
  CK_SESSION_HANDLE session = f.OpenSession();
  CK_OBJECT_HANDLE handle = f.FindKey(session, bobs.info.id);  // before the edit
  // The attacker re-labels Bob's key as Alice's, so that Alice's SADs would activate it.
  EditRow(f.token().config(), "UPDATE keys SET owner='alice' WHERE id=" +
                                  StateEditor::Blob(f.token().config(), bobs.info.id));
  KeyInfo as_alice = bobs.info;
  as_alice.owner = "alice";
  // The token shows no object from a row that fails its check: the search says so at once.
  CK_ATTRIBUTE by_id = {CKA_ID, bobs.info.id.data(), bobs.info.id.size()};
  REQUIRE(f.p11()->C_FindObjectsInit(session, &by_id, 1) == CKR_OK);
  CK_OBJECT_HANDLE found = 0;
  CK_ULONG count = 0;
  CHECK(f.p11()->C_FindObjects(session, &found, 1, &count) == CKR_DEVICE_ERROR);
  CHECK(f.p11()->C_FindObjectsFinal(session) == CKR_OK);
  // And a handle taken before the edit signs nothing for Alice's SAD.
  std::string sad = f.token().SadForData("alice", as_alice, kDoc);
  CHECK(f.SignOnce(session, handle, Mech(CKM_ECDSA_SHA256), sad, kDoc, nullptr) ==
        CKR_DEVICE_ERROR);
}

TEST_CASE("a swapped activation key is refused with CKR_DEVICE_ERROR") {
  ModuleFixture f({"alice", "mallory"});
  UnwrappedKey key = f.token().GenerateKey("alice", KeyType::kEcP256);
  // Mallory's device public key written over Alice's enrolment.
  const std::string alice_kid = f.token().device("alice").kid;
  const std::string mallory_kid = f.token().device("mallory").kid;
  EditRow(f.token().config(),
          "UPDATE activation_keys SET public_spki=(SELECT public_spki FROM activation_keys WHERE "
          "kid='" +
              mallory_kid + "') WHERE kid='" + alice_kid + "'");
  // A SAD signed by Mallory's device but carrying Alice's kid.
  SadClaims c;
  c.iss = c.sub = "alice";
  c.aud = f.token().keystore().identity();
  c.credential_id = HexEncode(key.info.id);
  c.hashes = {Digest(HashAlg::kSha256, kDoc)};
  c.iat = static_cast<int64_t>(time(nullptr));
  c.exp = c.iat + 60;
  c.jti = "forged";
  auto forged = IssueSad(c, alice_kid, f.token().device("mallory").key.get());
  REQUIRE(forged.ok());
  CK_SESSION_HANDLE session = f.OpenSession();
  CK_OBJECT_HANDLE handle = f.FindKey(session, key.info.id);
  CHECK(f.SignOnce(session, handle, Mech(CKM_ECDSA_SHA256), *forged, kDoc, nullptr) ==
        CKR_DEVICE_ERROR);
}

}  // namespace
}  // namespace samp11::testing
