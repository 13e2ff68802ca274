// A SoftHSMv2 sandbox for the tests of the pkcs11 key backend: a temporary folder with its own
// softhsm2.conf and token directory, SOFTHSM2_CONF pointing at it, one initialised inner token and
// a PIN file; removed at process exit.
//
// One per test process, shared by every TestToken: SoftHSM reads its configuration once per
// C_Initialize and samp11's registry of inner modules is process-wide, so a second configuration
// could never be seen by a module already initialised. Keys of different TestTokens coexist in
// the one inner token under random CKA_IDs, as keys made behind one keystore's back would.
#pragma once

#include <memory>
#include <string>

#include "hsm/inner_token_config.h"

// No <p11-kit/pkcs11.h> here: its compatibility macros (hash_alg, ...) would rename members of
// samp11's own structs in every file that includes test_token.h. softhsm_session.h has SoftHSM's
// functions.
namespace samp11 {
class InnerModuleRef;
}

namespace samp11::testing {

constexpr char kSoftHsmModule[] = "/usr/lib/softhsm/libsofthsm2.so";

class SoftHsmSandbox {
 public:
  // Created on first use, before anything in the process loads SoftHSM (child processes inherit
  // SOFTHSM2_CONF). Throws std::runtime_error if SoftHSM is missing or the token cannot be made:
  // softhsm2 is a test dependency (scripts/install-deps.sh), not an optional one.
  static SoftHsmSandbox& Get();

  const std::string& dir() const { return dir_; }
  const std::string& conf_path() const { return conf_path_; }
  const std::string& token_label() const { return token_label_; }
  const std::string& pin() const { return pin_; }
  const std::string& pin_file() const { return pin_file_; }  // mode 0600, the PIN and a newline

  // The pkcs11_backend entry of a samp11 token whose keys live in the sandbox's inner token.
  InnerTokenConfig Config() const;
  // SoftHSM as loaded in this process, for tests that look at or change the inner token behind
  // samp11's back (softhsm_session.h). It stays initialised until exit (see the .cc for why).
  const InnerModuleRef& module() const { return *module_; }
  unsigned long slot() const { return slot_; }  // CK_SLOT_ID of the inner token

  ~SoftHsmSandbox();
  SoftHsmSandbox(const SoftHsmSandbox&) = delete;
  SoftHsmSandbox& operator=(const SoftHsmSandbox&) = delete;

 private:
  SoftHsmSandbox();

  std::string dir_;
  std::string conf_path_;
  std::string token_label_ = "samp11-inner";
  std::string pin_;
  std::string pin_file_;
  std::unique_ptr<InnerModuleRef> module_;
  unsigned long slot_ = 0;
};

}  // namespace samp11::testing
