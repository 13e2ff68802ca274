// Answers that PKCS#11 prescribes for calls samp11 refuses, each checked against the specification
// and against SoftHSMv2 2.6.1 on the same calls (docs/return-codes.md gives them with the reason).
#include <doctest/doctest.h>

#include <stdlib.h>

#include <fstream>
#include <iterator>
#include <optional>

#include "pkcs11/pkcs11_v3.h"
#include "pkcs11/samp11_vendor.h"
#include "tests/integration/module_fixture.h"

namespace samp11::testing {
namespace {

const Bytes kDoc = ToBytes("a document for the specification's answers");

CK_STATE SessionState(ModuleFixture& f, CK_SESSION_HANDLE s) {
  CK_SESSION_INFO info{};
  REQUIRE(f.p11()->C_GetSessionInfo(s, &info) == CKR_OK);
  return info.state;
}

// Points the module's log at a file for the life of the object (SAMP11_LOG_FILE is read at each
// line), and puts the previous value back.
class CapturedLog {
 public:
  CapturedLog() : path_(dir_.path() + "/samp11.log") {
    if (const char* old = getenv("SAMP11_LOG_FILE")) old_ = old;
    setenv("SAMP11_LOG_FILE", path_.c_str(), 1);
  }
  ~CapturedLog() {
    if (old_) {
      setenv("SAMP11_LOG_FILE", old_->c_str(), 1);
    } else {
      unsetenv("SAMP11_LOG_FILE");
    }
  }
  std::string Text() const {
    std::ifstream in(path_);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

 private:
  TempDir dir_;
  std::string path_;
  std::optional<std::string> old_;
};

TEST_CASE("C_Login(CKU_SO): a read-only session, then the user's login, else no SO PIN matches") {
  ModuleFixture f;
  UnwrappedKey key = f.token().GenerateKey("alice", KeyType::kEcP256);
  CK_SESSION_HANDLE ro = f.OpenSession();
  CK_SESSION_HANDLE rw = f.OpenSession(true);
  // Any read-only session of the application with the token refuses it, not only the caller.
  CHECK(f.Login(rw, CKU_SO, "12345678") == CKR_SESSION_READ_ONLY_EXISTS);
  CHECK(f.Login(ro, CKU_SO, "12345678") == CKR_SESSION_READ_ONLY_EXISTS);
  REQUIRE(f.p11()->C_CloseSession(ro) == CKR_OK);

  {
    CapturedLog log;
    CHECK(f.Login(rw, CKU_SO, "so-pin-Zq8v") == CKR_PIN_INCORRECT);
    const std::string text = log.Text();
    CHECK(text.find("CKR_PIN_INCORRECT") != std::string::npos);
    CHECK(text.find("no security officer PIN") != std::string::npos);
    CHECK(text.find("so-pin-Zq8v") == std::string::npos);
  }
  CHECK(f.p11()->C_Login(rw, CKU_SO, nullptr, 8) == CKR_ARGUMENTS_BAD);
  CHECK(f.p11()->C_Login(rw, CKU_SO, nullptr, 0) == CKR_ARGUMENTS_BAD);
  CHECK(SessionState(f, rw) == CKS_RW_PUBLIC_SESSION);  // no SO was ever logged in

  REQUIRE(f.Login(rw, CKU_USER, f.token().SadForData("alice", key.info, kDoc)) == CKR_OK);
  CHECK(f.Login(rw, CKU_SO, "12345678") == CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
  CHECK(SessionState(f, rw) == CKS_RW_USER_FUNCTIONS);
  // An unknown user type is still one.
  CHECK(f.Login(rw, 3, "12345678") == CKR_USER_TYPE_INVALID);
  CHECK(f.Login(rw, 0x80000000UL, "12345678") == CKR_USER_TYPE_INVALID);  // CKU_VENDOR_DEFINED
  CHECK(f.p11()->C_Logout(rw) == CKR_OK);
}

TEST_CASE("C_Login(CKU_SO) on the protected authentication path: still no SO to log in") {
  SamPolicy policy;
  policy.protected_authentication_path = true;
  ModuleFixture f({"alice"}, policy);
  CK_SESSION_HANDLE rw = f.OpenSession(true);
  CHECK(f.p11()->C_Login(rw, CKU_SO, nullptr, 0) == CKR_PIN_INCORRECT);
  CHECK(SessionState(f, rw) == CKS_RW_PUBLIC_SESSION);
}

}  // namespace
}  // namespace samp11::testing
