// Hand edits of the token's state (its file, or its schema in PostgreSQL: state_editor.h) reach
// the SAM's next decision (issue 21): a key, signer or activation-key row that fails its check is
// kTampered (CKR_DEVICE_ERROR) at the next C_SignInit, C_Login or C_Sign of a process that already
// signed with it ("warm") and of one that opens the state after the edit ("cold"), with an audit
// record whose outcome is "error"; never a signature, never an answer that blames the SAD or the
// caller (kActivationInvalid, a context login refused for a SCAL1 key).
#include <doctest/doctest.h>

#include <functional>

#include "crypto/keys.h"
#include "keystore/audit.h"
#include "sam/sign_operation.h"
#include "tests/support/state_editor.h"
#include "tests/support/test_token.h"

namespace samp11 {
namespace {

using testing::StateEditor;
using testing::TestToken;

const MechanismSpec kEcdsaSha256{MechanismKind::kEcdsaWithHash, HashAlg::kSha256, {}};
const Bytes kFirst = ToBytes("signed before the edit");
const Bytes kDoc = ToBytes("after the edit");

// The calls of one signature, in order; the edit comes before one of them.
enum class Step { kSignInit, kContextLogin, kSign };
const char* StepName(Step step) {
  switch (step) {
    case Step::kSignInit:
      return "C_SignInit";
    case Step::kContextLogin:
      return "C_Login(CKU_CONTEXT_SPECIFIC)";
    case Step::kSign:
      return "C_Sign";
  }
  return "?";
}

struct Fixture {
  TestToken token{{"alice", "mallory"}};
  UnwrappedKey key = token.GenerateKey("alice", KeyType::kEcP256);
  UnwrappedKey mallory_key = token.GenerateKey("mallory", KeyType::kEcP256);
  std::unique_ptr<Keystore> cold_keystore;
  std::unique_ptr<Sam> sam = std::make_unique<Sam>(token.keystore(), SamPolicy{}, DefaultClock());

  Keystore& ks() { return cold_keystore ? *cold_keystore : token.keystore(); }

  // The process that signs from now on is a new one: its own keystore and SAM.
  void Restart() {
    sam.reset();
    auto opened = OpenTokenKeystore(token.config());
    REQUIRE_MESSAGE(opened.ok(), opened.status().ToString());
    cold_keystore = std::move(opened).value();
    sam = std::make_unique<Sam>(*cold_keystore, SamPolicy{}, DefaultClock());
  }

  void Edit(const std::string& sql) {
    StateEditor state(token.config());
    state.Exec(sql);
    REQUIRE(state.Changes() > 0);
  }
  std::string Where(const KeyInfo& k) const {
    return " WHERE id = " + StateEditor::Blob(token.config(), k.id);
  }

  // C_SignInit, C_Login(CKU_CONTEXT_SPECIFIC), C_Sign for doc, with edit made before `before`
  // (never, for nullopt). Returns the first failure, or the signature.
  Result<Bytes> Sign(const KeyInfo& k, const Bytes& doc, std::optional<Step> before = std::nullopt,
                     const std::function<void()>& edit = nullptr) {
    const std::string sad = token.SadForData(k.owner, k, doc);
    auto at = [&](Step step) {
      if (before == step) edit();
    };
    at(Step::kSignInit);
    SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<SignOperation> op,
                            SignOperation::Begin(*sam, k.handle, kEcdsaSha256));
    at(Step::kContextLogin);
    SAMP11_RETURN_IF_ERROR(op->ContextLogin(sad));
    at(Step::kSign);
    SAMP11_RETURN_IF_ERROR(op->Update(doc.data(), doc.size()));
    return op->Finish(nullptr);
  }

  std::vector<AuditRecord> Records(const std::string& event) {
    AuditFilter filter;
    filter.event = event;
    auto records = ks().audit().List(filter, 0);
    REQUIRE(records.ok());
    return *records;
  }
  size_t SignaturesMade() {
    size_t made = 0;
    for (const AuditRecord& r : Records(audit_event::kSign)) {
      made += r.event.outcome == audit_outcome::kOk ? 1 : 0;
    }
    return made;
  }
};

// The refusal is a device fault naming the row, and its record says so.
void CheckSeen(Fixture& f, const Status& refused, const char* event, const std::string& row) {
  CHECK_MESSAGE(refused.code() == Code::kTampered, refused.ToString());
  CHECK_MESSAGE(refused.message().find(row) != std::string::npos, refused.ToString());
  std::vector<AuditRecord> records = f.Records(event);
  REQUIRE_FALSE(records.empty());
  const AuditEvent& last = records.back().event;
  CHECK(last.outcome == audit_outcome::kError);
  CHECK_MESSAGE(last.detail.find("failed its integrity check") != std::string::npos, last.detail);
  CHECK_MESSAGE(last.detail.find(row) != std::string::npos, last.detail);
}

using Edit = std::function<void(Fixture&)>;

// Warm: the key signed once in this process, then the edit comes before one of the next
// signature's calls, which refuses. Cold: the edit, then a new process's C_SignInit refuses.
void CheckKeyEditSeen(const Edit& edit) {
  for (Step step : {Step::kSignInit, Step::kContextLogin, Step::kSign}) {
    const std::string step_name = StepName(step);
    CAPTURE(step_name);
    Fixture f;
    REQUIRE(f.Sign(f.key.info, kFirst).ok());
    Result<Bytes> signed_after = f.Sign(f.key.info, kDoc, step, [&] { edit(f); });
    REQUIRE_FALSE(signed_after.ok());
    const char* event =
        step == Step::kContextLogin ? audit_event::kLoginContext : audit_event::kSign;
    CheckSeen(f, signed_after.status(), event, "key " + HexEncode(f.key.info.id));
    CHECK(f.SignaturesMade() == 1);
    // Mallory's key is not concerned.
    CHECK(f.Sign(f.mallory_key.info, kDoc).ok());
  }
  Fixture f;
  REQUIRE(f.Sign(f.key.info, kFirst).ok());
  edit(f);
  f.Restart();
  Result<Bytes> cold = f.Sign(f.key.info, kDoc);
  REQUIRE_FALSE(cold.ok());
  CheckSeen(f, cold.status(), audit_event::kSign, "key " + HexEncode(f.key.info.id));
  CHECK(f.SignaturesMade() == 1);
}

TEST_CASE("edits seen by the SAM: a key given to another signer") {
  CheckKeyEditSeen(
      [](Fixture& f) { f.Edit("UPDATE keys SET owner = 'mallory'" + f.Where(f.key.info)); });
}

TEST_CASE("edits seen by the SAM: a lowered SCAL is no SCAL1 key") {
  CheckKeyEditSeen([](Fixture& f) { f.Edit("UPDATE keys SET scal = 1" + f.Where(f.key.info)); });
}

TEST_CASE("edits seen by the SAM: another key's wrapped key") {
  CheckKeyEditSeen([](Fixture& f) {
    f.Edit("UPDATE keys SET wrapped_private = (SELECT wrapped_private FROM keys" +
           f.Where(f.mallory_key.info) + ")" + f.Where(f.key.info));
  });
}

TEST_CASE("edits seen by the SAM: a SCAL1 key's raised limits") {
  for (bool warm : {true, false}) {
    CAPTURE(warm);
    Fixture f;
    REQUIRE(f.token.keystore().pins().SetSignerPin("alice", "1234").ok());
    ActivationLimits limits;
    limits.max_signatures = 1;
    auto seal = f.token.keystore().keys().GenerateKey("alice", KeyType::kEcP256, "seal", 1, Bytes(),
                                                      limits);
    REQUIRE(seal.ok());
    auto sign = [&](const Bytes& doc) -> Result<Bytes> {
      SAMP11_ASSIGN_OR_RETURN(std::shared_ptr<PinActivation> pin, f.sam->PinLogin("alice:1234"));
      SAMP11_ASSIGN_OR_RETURN(std::unique_ptr<SignOperation> op,
                              SignOperation::Begin(*f.sam, seal->info.handle, kEcdsaSha256));
      SAMP11_RETURN_IF_ERROR(op->Update(doc.data(), doc.size()));
      return op->Finish(UserLogin(nullptr, pin));
    };
    if (warm) REQUIRE(sign(kFirst).ok());
    f.Edit("UPDATE keys SET policy_json = '{\"activation\":{\"max_signatures\":1000000}}'" +
           f.Where(seal->info));
    if (!warm) f.Restart();
    Result<Bytes> after = sign(kDoc);
    REQUIRE_FALSE(after.ok());
    CheckSeen(f, after.status(), audit_event::kSign, "key " + HexEncode(seal->info.id));
    CHECK(f.SignaturesMade() == (warm ? 1 : 0));
  }
}

TEST_CASE("edits seen by the SAM: the signer's row") {
  std::string sql;
  SUBCASE("enrolment date") {
    sql = "UPDATE signers SET created = created - 86400 WHERE name = 'alice'";
  }
  SUBCASE("status") { sql = "UPDATE signers SET status = 'disabled' WHERE name = 'alice'"; }
  bool breaks_references = false;
  SUBCASE("renamed, so that the key's signer is gone") {
    sql = "UPDATE signers SET name = 'alicia' WHERE name = 'alice'";
    breaks_references = true;
  }
  for (bool warm : {true, false}) {
    CAPTURE(warm);
    Fixture f;
    REQUIRE(f.Sign(f.key.info, kFirst).ok());
    if (breaks_references) StateEditor(f.token.config()).DropForeignKeys();
    f.Edit(sql);
    if (!warm) f.Restart();
    // A user login with a SAD of the signer: the signer's row is read and refused.
    Status login = f.sam->LoginUser(f.token.SadForData("alice", f.key.info, kDoc)).status();
    CheckSeen(f, login, audit_event::kLoginUser, "alice");
    Result<Bytes> after = f.Sign(f.key.info, kDoc);
    REQUIRE_FALSE(after.ok());
    CheckSeen(f, after.status(), audit_event::kSign, "alice");
    CHECK(f.SignaturesMade() == 1);
  }
}

TEST_CASE("edits seen by the SAM: the device key of a SAD already logged in, or to come") {
  Edit edit;
  SUBCASE("public key") {
    edit = [](Fixture& f) {
      auto attacker = GenerateKey(KeyType::kEcP256);
      REQUIRE(attacker.ok());
      StateEditor(f.token.config())
          .ExecWithBlob("UPDATE activation_keys SET public_spki = $1 WHERE kid = '" +
                            f.token.device("alice").kid + "'",
                        *PublicKeyToSpki(attacker->get()));
    };
  }
  SUBCASE("owner") {
    edit = [](Fixture& f) {
      f.Edit("UPDATE activation_keys SET owner = 'mallory' WHERE kid = '" +
             f.token.device("alice").kid + "'");
    };
  }
  for (bool warm : {true, false}) {
    CAPTURE(warm);
    Fixture f;
    const std::string kid = "activation key '" + f.token.device("alice").kid + "'";
    REQUIRE(f.Sign(f.key.info, kFirst).ok());
    // A SAD logged in (CKU_USER) before the edit signs nothing after it.
    auto login = f.sam->LoginUser(f.token.SadForData("alice", f.key.info, kDoc));
    REQUIRE(login.ok());
    edit(f);
    if (warm) {
      auto op = SignOperation::Begin(*f.sam, f.key.info.handle, kEcdsaSha256);
      REQUIRE(op.ok());
      REQUIRE((*op)->Update(kDoc.data(), kDoc.size()).ok());
      Result<Bytes> after = (*op)->Finish(UserLogin(*login));
      REQUIRE_FALSE(after.ok());
      CheckSeen(f, after.status(), audit_event::kSign, kid);
    } else {
      f.Restart();
    }
    Status again = f.sam->LoginUser(f.token.SadForData("alice", f.key.info, kDoc)).status();
    CheckSeen(f, again, audit_event::kLoginUser, kid);
    Result<Bytes> context = f.Sign(f.key.info, kDoc);
    REQUIRE_FALSE(context.ok());
    CheckSeen(f, context.status(), audit_event::kLoginContext, kid);
    CHECK(f.SignaturesMade() == 1);
  }
}

}  // namespace
}  // namespace samp11
