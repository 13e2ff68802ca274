// What the hsm tests share: one SoftHSMv2 configuration for the test process with two initialised
// tokens ("inner" and "wrongpin") and a PIN file, tokens made from it, and signatures checked with
// OpenSSL.
#pragma once

#include <doctest/doctest.h>
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/key_type.h"
#include "hsm/inner_token.h"

namespace samp11::hsm_test {

inline constexpr char kSoftHsmModule[] = "/usr/lib/softhsm/libsofthsm2.so";
inline constexpr char kUserPin[] = "1234";
inline constexpr char kWrongPin[] = "wrong-pin-31337";

inline constexpr KeyType kAllTypes[] = {KeyType::kRsa2048, KeyType::kRsa3072, KeyType::kRsa4096,
                                        KeyType::kEcP256,  KeyType::kEcP384,  KeyType::kEd25519};

// Writes through a temporary file and a rename, which gives the file a new identity, as an
// operator's editor would.
void WriteFile(const std::string& path, const std::string& content, mode_t mode);

// One SoftHSM configuration per test process: SoftHSM reads SOFTHSM2_CONF at C_Initialize and
// the module registry is process-wide, so every token is made here, before the first connect.
class SoftHsm {
 public:
  SoftHsm();
  ~SoftHsm();
  SoftHsm(const SoftHsm&) = delete;
  SoftHsm& operator=(const SoftHsm&) = delete;

  bool ready() const { return ready_; }
  const std::string& why() const { return why_; }
  const std::string& dir() const { return dir_; }
  const std::string& pin_file() const { return pin_file_; }
  const std::string& inner_serial() const { return inner_serial_; }

  InnerTokenConfig Config(const std::string& label = "inner", size_t max_sessions = 16) const;

 private:
  bool ready_ = false;
  std::string why_;
  std::string dir_;
  std::string pin_file_;
  std::string inner_serial_;
};

const SoftHsm& TheSoftHsm();

#define REQUIRE_SOFTHSM()                           \
  const SoftHsm& hsm = TheSoftHsm();                \
  if (!hsm.ready()) {                               \
    MESSAGE("SoftHSM test skipped: " << hsm.why()); \
    return;                                         \
  }

std::shared_ptr<InnerToken> NewToken(const InnerTokenConfig& config);
Bytes NewId(const std::string& name);
// An EdDSA signature, with LeakSanitizer off around SoftHSM's own leak (see the .cc).
Result<Bytes> EddsaSign(InnerToken& token, uint64_t handle, const Bytes& message);
// Signs with the mechanism that fits the key and checks the signature with OpenSSL.
void SignAndVerify(InnerToken& token, const InnerKey& key, const std::string& message);
bool Contains(const std::string& haystack, const std::string& needle);

}  // namespace samp11::hsm_test
