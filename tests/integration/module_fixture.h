// Loads the built libsamp11.so the way a consumer does (dlopen + C_GetFunctionList) over a real
// token made by TestToken, and offers the few call sequences the tests repeat.
#pragma once

#include <p11-kit/pkcs11.h>

#include <string>
#include <vector>

#include "tests/support/test_token.h"

namespace samp11::testing {

CK_FUNCTION_LIST_PTR LoadModule();  // dlopen once per process; SAMP11_MODULE_PATH at build time

class ModuleFixture {
 public:
  // Creates a token with the given signers, points SAMP11_CONF at it and C_Initialize's.
  // key_backend: as TestToken's ("" follows SAMP11_TEST_KEY_BACKEND). The configuration file names
  // the token's state, a file or (SAMP11_TEST_STATE=postgres) a database schema, so the programs
  // a test starts (sign_with_sad, samp11) reach the same state through SAMP11_CONF.
  explicit ModuleFixture(const std::vector<std::string>& signers = {"alice", "bob"},
                         const SamPolicy& policy = SamPolicy{},
                         const std::string& key_backend = "");
  ~ModuleFixture();  // C_Finalize

  // Writes token as the module's only token and restarts the module (C_Finalize, C_Initialize),
  // as an operator editing the configuration and restarting the application would.
  void Reconfigure(const TokenConfig& token);

  CK_FUNCTION_LIST_PTR p11() const { return p11_; }
  TestToken& token() { return token_; }
  CK_SLOT_ID slot() const { return 0; }

  CK_SESSION_HANDLE OpenSession(bool rw = false);
  // The private (or public) key object with this CKA_ID, or CK_INVALID_HANDLE.
  CK_OBJECT_HANDLE FindKey(CK_SESSION_HANDLE session, const Bytes& id,
                           CK_OBJECT_CLASS klass = CKO_PRIVATE_KEY);

  // C_SignInit -> C_Login(CONTEXT_SPECIFIC, sad) [skipped when sad is empty] -> C_Sign (size
  // query, then real). Returns the first CK_RV that is not CKR_OK, filling *signature on success.
  CK_RV SignOnce(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE key, CK_MECHANISM mechanism,
                 const std::string& sad, const Bytes& data, Bytes* signature);
  CK_RV Login(CK_SESSION_HANDLE session, CK_USER_TYPE user, const std::string& value);

 private:
  void Initialize(const TokenConfig& token);

  TestToken token_;
  CK_FUNCTION_LIST_PTR p11_;
};

CK_MECHANISM Mech(CK_MECHANISM_TYPE type);

// A certificate for key, valid from now + from to now + to seconds, issued by a throwaway CA
// (the key may live in an inner token, where it cannot sign its own certificate here).
Bytes CertificateFor(const KeyInfo& key, long from, long to);

}  // namespace samp11::testing
