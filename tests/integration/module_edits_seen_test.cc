// Hand edits of the token's state (its file, or its schema in PostgreSQL: state_editor.h) through
// the built module (issue 21): a key row given to another
// signer or with a lowered SCAL is CKR_DEVICE_ERROR, with an audit record of outcome "error",
// at the next C_SignInit, C_Login or C_Sign of an application that already signed with the key
// (warm) and of one started after the edit (cold, C_Finalize and C_Initialize); never
// CKR_PIN_INCORRECT (the SAD is not at fault), CKR_OPERATION_NOT_INITIALIZED (the key is no
// SCAL1 key) or a signature.
#include <doctest/doctest.h>

#include "tests/integration/module_fixture.h"
#include "tests/support/state_editor.h"

namespace samp11::testing {
namespace {

const Bytes kFirst = ToBytes("signed before the edit");
const Bytes kDoc = ToBytes("after the edit");

struct Setup {
  ModuleFixture f{{"alice", "mallory"}};
  UnwrappedKey key = f.token().GenerateKey("alice", KeyType::kEcP256);
  CK_SESSION_HANDLE session = f.OpenSession();
  CK_OBJECT_HANDLE handle = f.FindKey(session, key.info.id);
  CK_MECHANISM mech = Mech(CKM_ECDSA_SHA256);

  std::string Sad(const Bytes& doc) { return f.token().SadForData("alice", key.info, doc); }
  void Edit(const std::string& sql) {
    StateEditor state(f.token().config());
    state.Exec(sql + " WHERE id = " + StateEditor::Blob(f.token().config(), key.info.id));
    REQUIRE(state.Changes() == 1);
  }
  CK_RV Sign(CK_BYTE_PTR out, CK_ULONG* len) {
    Bytes doc = kDoc;
    return f.p11()->C_Sign(session, doc.data(), static_cast<CK_ULONG>(doc.size()), out, len);
  }
  // Records of event with outcome "error" saying the key's row failed its check.
  size_t Seen(const std::string& event) {
    AuditFilter filter;
    filter.event = event;
    auto records = f.token().keystore().audit().List(filter, 0);
    REQUIRE(records.ok());
    const std::string failed = "key " + HexEncode(key.info.id) + " failed its integrity check";
    size_t n = 0;
    for (const AuditRecord& r : *records) {
      n += r.event.outcome == "error" && r.event.detail.find(failed) != std::string::npos ? 1 : 0;
    }
    return n;
  }
  size_t SignaturesMade() {
    AuditFilter filter;
    filter.event = "sign";
    auto records = f.token().keystore().audit().List(filter, 0);
    REQUIRE(records.ok());
    size_t n = 0;
    for (const AuditRecord& r : *records) n += r.event.outcome == "ok" ? 1 : 0;
    return n;
  }
};

// Each call of a signature, with the edit made just before it in a process that signed already,
// then in a new process.
void CheckEditSeen(const std::string& edit) {
  SUBCASE("warm: before C_SignInit") {
    Setup s;
    REQUIRE(s.f.SignOnce(s.session, s.handle, s.mech, s.Sad(kFirst), kFirst, nullptr) == CKR_OK);
    s.Edit(edit);
    CHECK(s.f.p11()->C_SignInit(s.session, &s.mech, s.handle) == CKR_DEVICE_ERROR);
    CHECK(s.Seen("sign") == 1);
    CHECK(s.SignaturesMade() == 1);
  }
  SUBCASE("warm: before C_Login(CKU_CONTEXT_SPECIFIC)") {
    Setup s;
    REQUIRE(s.f.SignOnce(s.session, s.handle, s.mech, s.Sad(kFirst), kFirst, nullptr) == CKR_OK);
    REQUIRE(s.f.p11()->C_SignInit(s.session, &s.mech, s.handle) == CKR_OK);
    s.Edit(edit);
    CHECK(s.f.Login(s.session, CKU_CONTEXT_SPECIFIC, s.Sad(kDoc)) == CKR_DEVICE_ERROR);
    CHECK(s.Seen("login-context") == 1);
    // The operation is still there (a refused login leaves it), and signs nothing.
    Bytes signature(256);
    CK_ULONG len = static_cast<CK_ULONG>(signature.size());
    CHECK(s.Sign(signature.data(), &len) == CKR_DEVICE_ERROR);
    CHECK(s.SignaturesMade() == 1);
  }
  SUBCASE("warm: before C_Sign") {
    Setup s;
    REQUIRE(s.f.SignOnce(s.session, s.handle, s.mech, s.Sad(kFirst), kFirst, nullptr) == CKR_OK);
    REQUIRE(s.f.p11()->C_SignInit(s.session, &s.mech, s.handle) == CKR_OK);
    REQUIRE(s.f.Login(s.session, CKU_CONTEXT_SPECIFIC, s.Sad(kDoc)) == CKR_OK);
    s.Edit(edit);
    Bytes signature(256);
    CK_ULONG len = static_cast<CK_ULONG>(signature.size());
    CHECK(s.Sign(signature.data(), &len) == CKR_DEVICE_ERROR);
    CHECK(s.Seen("sign") == 1);
    CHECK(s.SignaturesMade() == 1);
  }
  SUBCASE("cold: the owner's login, then C_SignInit") {
    Setup s;
    REQUIRE(s.f.SignOnce(s.session, s.handle, s.mech, s.Sad(kFirst), kFirst, nullptr) == CKR_OK);
    s.Edit(edit);
    s.f.Reconfigure(s.f.token().config());
    CK_SESSION_HANDLE session = s.f.OpenSession();
    // The search shows no object from the edited row.
    CK_ATTRIBUTE by_id = {CKA_ID, s.key.info.id.data(), s.key.info.id.size()};
    REQUIRE(s.f.p11()->C_FindObjectsInit(session, &by_id, 1) == CKR_OK);
    CK_OBJECT_HANDLE found = 0;
    CK_ULONG count = 0;
    CHECK(s.f.p11()->C_FindObjects(session, &found, 1, &count) == CKR_DEVICE_ERROR);
    CHECK(s.f.p11()->C_FindObjectsFinal(session) == CKR_OK);
    // Without a user login, and with the owner's (the handle is the one from before).
    CHECK(s.f.p11()->C_SignInit(session, &s.mech, s.handle) == CKR_DEVICE_ERROR);
    CHECK(s.Seen("sign") == 1);
    REQUIRE(s.f.Login(session, CKU_USER, s.Sad(kDoc)) == CKR_OK);  // a SAD names no key row
    CHECK(s.f.p11()->C_SignInit(session, &s.mech, s.handle) == CKR_DEVICE_ERROR);
    CHECK(s.Seen("sign") == 2);
    CHECK(s.SignaturesMade() == 1);
  }
}

TEST_CASE("edits seen: a key given to another signer is CKR_DEVICE_ERROR, audited") {
  CheckEditSeen("UPDATE keys SET owner = 'mallory'");
}

TEST_CASE("edits seen: a lowered SCAL is CKR_DEVICE_ERROR, audited") {
  CheckEditSeen("UPDATE keys SET scal = 1");
}

}  // namespace
}  // namespace samp11::testing
