// SCAL1 (PIN) when the state fails: a signature whose record cannot be written is withheld, and
// a PIN login whose try cannot be counted, or whose record cannot be written, is refused.
#include <doctest/doctest.h>

#include "tests/unit/fault_test_util.h"

namespace samp11 {
namespace {

using testing::AuditState;
using testing::CheckStorageFailure;
using testing::Count;
using testing::Fault;
using testing::FaultyToken;
using testing::Prepare;
using testing::ReadAudit;
using testing::RvName;

const Bytes kDoc = ToBytes("sealed invoice 7");
constexpr int kTries = 3;

SamPolicy Policy() {
  SamPolicy policy;
  policy.pin_max_tries = kTries;
  return policy;
}

struct Scal1 {
  FaultyToken f{Policy()};
  UnwrappedKey key;

  Scal1() {
    REQUIRE(f.token().keystore().pins().SetSignerPin("alice", "1234").ok());
    auto made = f.token().keystore().keys().GenerateKey("alice", KeyType::kEcP256, "alice-seal", 1,
                                                        Bytes(), ActivationLimits{3, std::nullopt});
    REQUIRE_MESSAGE(made.ok(), made.status().ToString());
    key = std::move(made).value();
  }

  std::shared_ptr<PinActivation> Login() {
    auto pin = f.sam().PinLogin("alice:1234");
    REQUIRE_MESSAGE(pin.ok(), pin.status().ToString());
    return std::move(pin).value();
  }

  Result<Bytes> Sign(const std::shared_ptr<PinActivation>& pin, Fault* fault = nullptr) {
    auto sign = Prepare(f.sam(), key.info, "", kDoc);
    sign->activation.AcceptPin(pin);
    if (fault != nullptr) f.plan().FailNth("journal.WriteJournal", 1, *fault);
    return sign->Sign(f.sam());
  }

  int64_t Failures() {
    auto row = f.Rows()->pins().FindSignerPin("alice");
    REQUIRE(row.ok());
    REQUIRE(row->has_value());
    return (*row)->failures;
  }
};

TEST_CASE("fault: a SCAL1 signature whose record cannot be written is withheld") {
  Scal1 s;
  auto pin = s.Login();
  for (Fault fault : {Fault::ErrorBefore(), Fault::ErrorAfter()}) {
    CAPTURE(fault.when == Fault::When::kAfter);
    Result<Bytes> withheld = s.Sign(pin, &fault);
    REQUIRE_FALSE(withheld.ok());
    CheckStorageFailure(withheld.status());
  }
  // Each withheld signature still counts against the login's limit (3): the safe side.
  CHECK(pin->signatures(s.key.info.id) == 2);
  Result<Bytes> third = s.Sign(pin);
  REQUIRE_MESSAGE(third.ok(), third.status().ToString());
  CHECK(testing::VerifiesFor(s.key.info, kDoc, *third));
  CHECK(s.Sign(pin).status().code() == Code::kRejected);

  AuditState audit = ReadAudit(*s.f.Fresh());
  CHECK(audit.verifies);
  std::vector<AuditRecord> signs = audit.Of(audit_event::kSign);
  // The lost write's "ok" record, the released signature's, and the two withholdings.
  CHECK(Count(signs, audit_outcome::kOk) == 2);
  CHECK(Count(signs, audit_outcome::kError) == 2);
}

TEST_CASE("fault: a PIN try that cannot be counted refuses the login") {
  Scal1 s;
  SUBCASE("the try is not taken") {
    s.f.plan().FailNth("pins.TakePinTry", 1, Fault::ErrorBefore());
    auto login = s.f.sam().PinLogin("alice:1234");
    REQUIRE_FALSE(login.ok());
    CheckStorageFailure(login.status());
    CHECK(s.Failures() == 0);
  }
  SUBCASE("the try is taken, its acknowledgement lost") {
    s.f.plan().FailNth("pins.TakePinTry", 1, Fault::ErrorAfter());
    auto login = s.f.sam().PinLogin("alice:1234");
    REQUIRE_FALSE(login.ok());
    CheckStorageFailure(login.status());
    CHECK(s.Failures() == 1);  // counted, though the PIN was right: the safe side
  }
  SUBCASE("a right PIN whose failures cannot be reset") {
    s.f.plan().FailNth("pins.ResetPinFailures", 1, Fault::ErrorBefore());
    auto login = s.f.sam().PinLogin("alice:1234");
    REQUIRE_FALSE(login.ok());
    CHECK(login.status().code() == Code::kStorage);
    CHECK(s.Failures() == 1);
  }
  SUBCASE("the login's record cannot be written") {
    s.f.plan().FailNth("journal.WriteJournal", 1, Fault::ErrorBefore());
    auto login = s.f.sam().PinLogin("alice:1234");
    REQUIRE_FALSE(login.ok());
    CheckStorageFailure(login.status());
  }
  // Nothing was granted: no PIN login record says ok, and the key has signed nothing.
  AuditState audit = ReadAudit(*s.f.Fresh());
  CHECK(audit.verifies);
  CHECK(Count(audit.Of(audit_event::kLoginPin), audit_outcome::kOk) == 0);
  CHECK(audit.Of(audit_event::kSign).empty());
  // The store works again: the right PIN logs in.
  s.f.plan().ClearRules();
  CHECK(s.f.sam().PinLogin("alice:1234").ok());
  CHECK(s.Failures() == 0);
}

}  // namespace
}  // namespace samp11
