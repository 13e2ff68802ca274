// The pkcs11 key backend through the built module: what samp11 makes in the inner token (SoftHSM,
// tests/support/softhsm.h), what it ignores there, and what it refuses when the inner token
// changes behind its back or cannot be reached. Every case sets up its own pkcs11-backend token,
// whatever SAMP11_TEST_KEY_BACKEND says; the inner token is looked at and changed through
// SoftHSM's own functions (softhsm_session.h), as another application with the inner PIN would.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <functional>

#include "crypto/keys.h"
#include "crypto/random.h"
#include "crypto/signature.h"
#include "tests/integration/module_fixture.h"
#include "tests/support/softhsm.h"
#include "tests/support/softhsm_session.h"
#include "token/open_keystore.h"

namespace samp11::testing {
namespace {

const Bytes kDoc = ToBytes("a contract signed by a key in the inner token");

Bytes RandomId() {
  Result<Bytes> id = RandomBytes(16);
  REQUIRE(id.ok());
  return *id;
}

// A SAD for kDoc under a known jti, so that the test can ask the keystore whether its hash was
// spent.
struct KnownSad {
  std::string text;
  std::string kid;
  std::string jti;
  Bytes hash;
};

KnownSad SadFor(TestToken& token, const KeyInfo& key) {
  KnownSad sad;
  sad.kid = token.device(key.owner).kid;
  sad.jti = "pkcs11-backend-" + HexEncode(RandomId());
  sad.hash = Digest(HashAlg::kSha256, kDoc);
  SadSpec spec;
  spec.hashes = {sad.hash};
  spec.jti = sad.jti;
  sad.text = token.Sad(key.owner, key, spec);
  return sad;
}

struct Setup {
  explicit Setup(const SamPolicy& policy = SamPolicy{}) : f({"alice", "bob"}, policy, "pkcs11") {}

  // C_SignInit, the SAD as context login, C_Sign: kDoc under CKM_ECDSA_SHA256.
  CK_RV Sign(const KeyInfo& key, const KnownSad& sad, Bytes* signature = nullptr) {
    CK_SESSION_HANDLE session = f.OpenSession();
    CK_OBJECT_HANDLE handle = f.FindKey(session, key.id);
    CK_RV rv = handle == CK_INVALID_HANDLE
                   ? CKR_KEY_HANDLE_INVALID
                   : f.SignOnce(session, handle, Mech(CKM_ECDSA_SHA256), sad.text, kDoc, signature);
    f.p11()->C_CloseSession(session);
    return rv;
  }

  bool Spent(const KnownSad& sad) {
    Result<bool> spent = f.token().keystore().replay().IsHashSpent(sad.kid, sad.jti, sad.hash);
    REQUIRE(spent.ok());
    return *spent;
  }

  // The sign record of this SAD: one, with outcome "error" and a reason.
  void CheckAuditedError(const KnownSad& sad) {
    AuditFilter filter;
    filter.event = audit_event::kSign;
    Result<std::vector<AuditRecord>> records = f.token().keystore().audit().List(filter, 0);
    REQUIRE(records.ok());
    int errors = 0;
    for (const AuditRecord& record : *records) {
      if (record.event.jti != sad.jti) continue;
      CHECK(record.event.outcome == audit_outcome::kError);
      // The reason names the inner token (or its module) and what was wrong with it.
      const std::string& detail = record.event.detail;
      CAPTURE(detail);
      CHECK((detail.find("samp11-inner") != std::string::npos ||
             detail.find("PKCS#11 module") != std::string::npos));
      ++errors;
    }
    CHECK(errors == 1);
  }

  ModuleFixture f;
};

void CheckKeptInside(const InnerSession& inner, CK_OBJECT_HANDLE key) {
  CHECK(inner.Bool(key, CKA_TOKEN));
  CHECK(inner.Bool(key, CKA_PRIVATE));
  CHECK(inner.Bool(key, CKA_SENSITIVE));
  CHECK_FALSE(inner.Bool(key, CKA_EXTRACTABLE));
  CHECK(inner.Bool(key, CKA_ALWAYS_SENSITIVE));
  CHECK(inner.Bool(key, CKA_NEVER_EXTRACTABLE));
  CHECK(inner.Bool(key, CKA_SIGN));
  // SoftHSM itself refuses to give the key out.
  CK_ATTRIBUTE value{CKA_VALUE, nullptr, 0};
  CHECK(inner.p11()->C_GetAttributeValue(inner.handle(), key, &value, 1) ==
        CKR_ATTRIBUTE_SENSITIVE);
}

TEST_CASE("pkcs11 backend: samp11's inner keys are private, sensitive, never extractable") {
  SamPolicy keygen;
  keygen.allow_pkcs11_keygen = true;
  Setup s(keygen);
  // Made by the keystore (samp11 key generate, TestToken) ...
  UnwrappedKey made = s.f.token().GenerateKey("alice", KeyType::kEcP256);
  CHECK(made.info.backend == "pkcs11");
  CHECK(made.private_key == nullptr);  // nothing of the key in this process
  // ... and by an application through the module's C_GenerateKeyPair.
  CK_SESSION_HANDLE rw = s.f.OpenSession(true);
  REQUIRE(s.f.Login(rw, CKU_USER, s.f.token().SadForData("alice", made.info, ToBytes("x"))) ==
          CKR_OK);
  Bytes module_id = RandomId();
  CK_BYTE p256[] = {0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
  CK_ATTRIBUTE pub[] = {{CKA_EC_PARAMS, p256, sizeof p256},
                        {CKA_ID, module_id.data(), static_cast<CK_ULONG>(module_id.size())}};
  CK_ATTRIBUTE priv[] = {{CKA_ID, module_id.data(), static_cast<CK_ULONG>(module_id.size())}};
  CK_MECHANISM mech{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  CK_OBJECT_HANDLE pub_handle = CK_INVALID_HANDLE, priv_handle = CK_INVALID_HANDLE;
  REQUIRE(s.f.p11()->C_GenerateKeyPair(rw, &mech, pub, 2, priv, 1, &pub_handle, &priv_handle) ==
          CKR_OK);
  auto row = s.f.token().keystore().keys().FindKeyById(module_id);
  REQUIRE(row.ok());
  REQUIRE(row->has_value());
  CHECK((*row)->backend == "pkcs11");

  InnerSession inner;
  for (const Bytes& id : {made.info.id, module_id}) {
    CAPTURE(HexEncode(id));
    std::vector<CK_OBJECT_HANDLE> keys = inner.Find(CKO_PRIVATE_KEY, id);
    REQUIRE(keys.size() == 1);
    CheckKeptInside(inner, keys[0]);
    CHECK(inner.Find(CKO_PUBLIC_KEY, id).size() == 1);
  }

  // And they sign, under a SAD, what OpenSSL verifies with the bound public key.
  for (const KeyInfo& key : {made.info, **row}) {
    KnownSad sad = SadFor(s.f.token(), key);
    Bytes signature;
    REQUIRE(s.Sign(key, sad, &signature) == CKR_OK);
    CHECK(EcdsaVerifyHash(PublicKeyOf(key).get(), sad.hash, signature).ok());
    CHECK(s.Spent(sad));
  }
}

TEST_CASE("pkcs11 backend: keys added to the inner token behind samp11's back are not seen") {
  Setup s;
  UnwrappedKey bound = s.f.token().GenerateKey("alice", KeyType::kEcP256);
  Bytes foreign_id = RandomId();
  {
    InnerSession inner;
    inner.GenerateEcP256(foreign_id, "planted");
  }
  CK_SESSION_HANDLE session = s.f.OpenSession();
  // Everything samp11 lists is its own key pair.
  CK_OBJECT_HANDLE found[16];
  CK_ULONG n = 0;
  REQUIRE(s.f.p11()->C_FindObjectsInit(session, nullptr, 0) == CKR_OK);
  REQUIRE(s.f.p11()->C_FindObjects(session, found, 16, &n) == CKR_OK);
  REQUIRE(s.f.p11()->C_FindObjectsFinal(session) == CKR_OK);
  CHECK(n == 2);
  for (CK_ULONG i = 0; i < n; ++i) {
    CK_BYTE id[64];
    CK_ATTRIBUTE a{CKA_ID, id, sizeof id};
    REQUIRE(s.f.p11()->C_GetAttributeValue(session, found[i], &a, 1) == CKR_OK);
    CHECK(Bytes(id, id + a.ulValueLen) == bound.info.id);
  }
  CHECK(s.f.FindKey(session, foreign_id) == CK_INVALID_HANDLE);
  std::string label = "planted";
  CK_ATTRIBUTE by_label{CKA_LABEL, label.data(), static_cast<CK_ULONG>(label.size())};
  REQUIRE(s.f.p11()->C_FindObjectsInit(session, &by_label, 1) == CKR_OK);
  REQUIRE(s.f.p11()->C_FindObjects(session, found, 16, &n) == CKR_OK);
  REQUIRE(s.f.p11()->C_FindObjectsFinal(session) == CKR_OK);
  CHECK(n == 0);

  // Nor can it be used: a SAD naming it matches no key, and its own signer's key still needs
  // that key's SAD.
  KeyInfo pretend = bound.info;
  pretend.id = foreign_id;
  KnownSad for_foreign = SadFor(s.f.token(), pretend);
  CK_OBJECT_HANDLE handle = s.f.FindKey(session, bound.info.id);
  CHECK(s.f.SignOnce(session, handle, Mech(CKM_ECDSA_SHA256), for_foreign.text, kDoc, nullptr) ==
        CKR_PIN_INCORRECT);
  auto row = s.f.token().keystore().keys().FindKeyById(foreign_id);
  REQUIRE(row.ok());
  CHECK_FALSE(row->has_value());
  CHECK(s.Sign(bound.info, SadFor(s.f.token(), bound.info)) == CKR_OK);
}

TEST_CASE("pkcs11 backend: a binding whose inner key changed is refused and spends nothing") {
  Setup s;
  UnwrappedKey a = s.f.token().GenerateKey("alice", KeyType::kEcP256);
  UnwrappedKey b = s.f.token().GenerateKey("alice", KeyType::kEcP256);

  SUBCASE("another key put under the same CKA_ID") {
    CK_OBJECT_HANDLE planted;
    {
      InnerSession inner;
      planted = inner.GenerateEcP256(a.info.id, "planted");
    }
    KnownSad sad = SadFor(s.f.token(), a.info);
    CHECK(s.Sign(a.info, sad) == CKR_DEVICE_ERROR);
    CHECK_FALSE(s.Spent(sad));
    s.CheckAuditedError(sad);
    // Once the planted key is gone, the same SAD signs: its hash was never spent.
    {
      InnerSession inner;
      for (CK_OBJECT_HANDLE object : inner.Find(CKO_PRIVATE_KEY, a.info.id)) {
        if (object == planted) inner.Destroy(object);
      }
      for (CK_OBJECT_HANDLE object : inner.Find(CKO_PUBLIC_KEY, a.info.id)) {
        CK_BYTE label[16];
        CK_ATTRIBUTE l{CKA_LABEL, label, sizeof label};
        REQUIRE(inner.p11()->C_GetAttributeValue(inner.handle(), object, &l, 1) == CKR_OK);
        if (std::string(label, label + l.ulValueLen) == "planted") inner.Destroy(object);
      }
    }
    s.f.Reconfigure(s.f.token().config());
    CHECK(s.Sign(a.info, sad) == CKR_OK);
    CHECK(s.Spent(sad));
  }

  SUBCASE("the CKA_IDs of two inner keys swapped") {
    auto swap = [&] {
      InnerSession inner;
      for (CK_OBJECT_CLASS klass : {CKO_PRIVATE_KEY, CKO_PUBLIC_KEY}) {
        std::vector<CK_OBJECT_HANDLE> of_a = inner.Find(klass, a.info.id);
        std::vector<CK_OBJECT_HANDLE> of_b = inner.Find(klass, b.info.id);
        REQUIRE(of_a.size() == 1);
        REQUIRE(of_b.size() == 1);
        inner.SetId(of_a[0], b.info.id);
        inner.SetId(of_b[0], a.info.id);
      }
    };
    swap();
    KnownSad sad_a = SadFor(s.f.token(), a.info);
    KnownSad sad_b = SadFor(s.f.token(), b.info);
    CHECK(s.Sign(a.info, sad_a) == CKR_DEVICE_ERROR);
    CHECK(s.Sign(b.info, sad_b) == CKR_DEVICE_ERROR);
    CHECK_FALSE(s.Spent(sad_a));
    CHECK_FALSE(s.Spent(sad_b));
    s.CheckAuditedError(sad_a);
    s.CheckAuditedError(sad_b);
    swap();
    s.f.Reconfigure(s.f.token().config());
    Bytes signature;
    CHECK(s.Sign(a.info, sad_a, &signature) == CKR_OK);
    CHECK(EcdsaVerifyHash(PublicKeyOf(a.info).get(), sad_a.hash, signature).ok());
    CHECK(s.Sign(b.info, sad_b) == CKR_OK);
  }

  SUBCASE("deleted and made again under the same CKA_ID after it signed in this process") {
    // First use: the module proves the key and keeps it; the replacement comes afterwards.
    CHECK(s.Sign(a.info, SadFor(s.f.token(), a.info)) == CKR_OK);
    {
      InnerSession inner;
      for (CK_OBJECT_CLASS klass : {CKO_PRIVATE_KEY, CKO_PUBLIC_KEY}) {
        for (CK_OBJECT_HANDLE object : inner.Find(klass, a.info.id)) inner.Destroy(object);
      }
      inner.GenerateEcP256(a.info.id, a.info.label);
    }
    KnownSad sad = SadFor(s.f.token(), a.info);
    CHECK(s.Sign(a.info, sad) == CKR_DEVICE_ERROR);
    CHECK_FALSE(s.Spent(sad));
    s.CheckAuditedError(sad);
    // A fresh module (another process, a restart) refuses it as well.
    s.f.Reconfigure(s.f.token().config());
    CHECK(s.Sign(a.info, sad) == CKR_DEVICE_ERROR);
    CHECK_FALSE(s.Spent(sad));
    // The other key of the same inner token is not affected.
    CHECK(s.Sign(b.info, SadFor(s.f.token(), b.info)) == CKR_OK);
  }
}

void WritePinFile(const std::string& path, const std::string& pin) {
  // A new file renamed over the old one, as an operator's editor would: samp11 tries a PIN file
  // again only once it changed.
  std::string tmp = path + ".tmp";
  std::ofstream(tmp, std::ios::binary | std::ios::trunc) << pin << "\n";
  REQUIRE(::chmod(tmp.c_str(), 0600) == 0);
  REQUIRE(std::rename(tmp.c_str(), path.c_str()) == 0);
}

TEST_CASE("pkcs11 backend: an unreachable inner token fails its keys only, spending nothing") {
  Setup s;
  const TokenConfig good = s.f.token().config();
  // The inner key is made through a keystore of its own, closed again at once: the module must
  // log in to SoftHSM by itself, and SoftHSM logs in once per process, so no other session may
  // be open in this process when the wrong PIN is tried.
  Bytes inner_id;
  {
    auto keystore = OpenTokenKeystore(good);
    REQUIRE(keystore.ok());
    auto key = (*keystore)->keys().GenerateKey("alice", KeyType::kEcP256, "inner", 2);
    REQUIRE(key.ok());
    inner_id = key->info.id;
  }
  auto inner_row = s.f.token().keystore().keys().FindKeyById(inner_id);
  REQUIRE(inner_row.ok());
  REQUIRE(inner_row->has_value());
  const KeyInfo inner_key = **inner_row;
  UnwrappedKey file_key = s.f.token().GenerateKey("alice", KeyType::kEcP256, "file");
  REQUIRE(file_key.info.backend == "file");

  struct Case {
    std::string name;
    CK_RV expected;
    std::function<void(TokenConfig&)> breaks;
  };
  const std::string pin_file = s.f.token().dir() + "/inner.pin";
  const Case cases[] = {
      {"wrong PIN in the PIN file", CKR_DEVICE_ERROR,
       [&](TokenConfig& c) {
         WritePinFile(pin_file, "not-" + SoftHsmSandbox::Get().pin());
         c.pkcs11_backend->pin_file = pin_file;
       }},
      {"no token with that label", CKR_TOKEN_NOT_PRESENT,
       [](TokenConfig& c) { c.pkcs11_backend->token_label = "no-such-inner-token"; }},
      {"no module at that path", CKR_DEVICE_ERROR,
       [&](TokenConfig& c) { c.pkcs11_backend->module = s.f.token().dir() + "/libmissing.so"; }},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    TokenConfig broken = good;
    c.breaks(broken);
    s.f.Reconfigure(broken);
    KnownSad sad = SadFor(s.f.token(), inner_key);
    CHECK(s.Sign(inner_key, sad) == c.expected);
    CHECK_FALSE(s.Spent(sad));
    s.CheckAuditedError(sad);
    // The token's file keys do not depend on the inner token.
    CHECK(s.Sign(file_key.info, SadFor(s.f.token(), file_key.info)) == CKR_OK);
    // Repaired (for the PIN: the right one in the same file), the same SAD signs.
    if (broken.pkcs11_backend->pin_file == pin_file) {
      WritePinFile(pin_file, SoftHsmSandbox::Get().pin());
      s.f.Reconfigure(broken);
    } else {
      s.f.Reconfigure(good);
    }
    CHECK(s.Sign(inner_key, sad) == CKR_OK);
    CHECK(s.Spent(sad));
    // Log out of SoftHSM again (the module's sessions close at C_Finalize) for the next case.
    s.f.Reconfigure(good);
  }
}

}  // namespace
}  // namespace samp11::testing
