// Helpers for the fault tests (fault_*.cc): a real token whose state is opened a second time
// through a FailingStateStore (tests/support/failing_state_store.h), with a SAM over it, and the
// checks made afterwards through a fresh keystore on the same file, as another process sees it.
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "operation/mechanism.h"
#include "sam/sam.h"
#include "tests/support/failing_state_store.h"
#include "tests/support/test_token.h"

namespace samp11::testing {

inline const MechanismSpec kEcdsaSha256{MechanismKind::kEcdsaWithHash, HashAlg::kSha256, {}};

// The token's keystore opened over a FailingStateStore that follows plan, with the token's key
// backends, as OpenTokenKeystore opens it.
Result<std::unique_ptr<Keystore>> OpenFailingKeystore(const TokenConfig& config,
                                                      std::shared_ptr<FaultPlan> plan);

// A TestToken (keys made through its healthy keystore) and a SAM whose keystore fails on cue.
class FaultyToken {
 public:
  explicit FaultyToken(SamPolicy policy = SamPolicy{});

  TestToken& token() { return token_; }
  FaultPlan& plan() { return *plan_; }
  Keystore& keystore() { return *keystore_; }
  Sam& sam() { return *sam_; }

  // A SCAL2 P-256 key of signer, in the run's backend (SAMP11_TEST_KEY_BACKEND).
  UnwrappedKey Key(const std::string& signer);
  // A keystore on the same file as a fresh process opens it (no faults), and a SAM over it.
  std::unique_ptr<Keystore> Fresh();
  // The rows as stored, through a store of their own.
  std::unique_ptr<StateStore> Rows();

 private:
  TestToken token_;
  std::shared_ptr<FaultPlan> plan_;
  std::unique_ptr<Keystore> keystore_;
  std::unique_ptr<Sam> sam_;
};

// One signature, ready to be asked of Sam::Sign: the SAD verified (nothing written) and
// accepted, the data fed to the mechanism. Arm the plan, then Sign.
struct PreparedSign {
  std::unique_ptr<SignMechanism> mechanism;
  Activation activation;
  int64_t key_handle = 0;
  Result<Bytes> Sign(Sam& sam) { return sam.Sign(key_handle, *mechanism, activation); }
};
// sad empty: no SAD from the call (a deposit, or a PIN login for a SCAL1 key, activates it).
std::unique_ptr<PreparedSign> Prepare(Sam& sam, const KeyInfo& key, const std::string& sad,
                                      const Bytes& data,
                                      ActivationSource source = ActivationSource::kContextLogin);
// Prepare, then Sign: for the signatures around the one under test.
Result<Bytes> SignOnce(Sam& sam, const KeyInfo& key, const std::string& sad, const Bytes& data);
// Whether signature is key's ECDSA signature of data (SHA-256).
bool VerifiesFor(const KeyInfo& key, const Bytes& data, const Bytes& signature);

// The audit log as a fresh keystore reads it: every record, and whether it verifies.
struct AuditState {
  bool verifies = false;
  std::vector<AuditRecord> records;
  // Records of event (and of jti, when given), in order.
  std::vector<AuditRecord> Of(const std::string& event, const std::string& jti = "") const;
};
AuditState ReadAudit(Keystore& keystore);
// How many of records ended with outcome ("ok", "error", ...).
size_t Count(const std::vector<AuditRecord>& records, const char* outcome);

// The jti a SAD text carries (not verified).
std::string JtiOf(const std::string& sad);
// Whether the SHA-256 hash of data is spent under sad, as keystore's replay ledger says.
bool Spent(Keystore& keystore, const std::string& sad, const Bytes& data);

// What a Status becomes at the PKCS#11 boundary (pkcs11/rv_map.cc), by name: "CKR_DEVICE_ERROR".
std::string RvName(const Status& status);
// Checks that status is the state's failure as every caller must see it: Code::kStorage, which
// the ABI answers with CKR_DEVICE_ERROR.
void CheckStorageFailure(const Status& status);

// Objects (private and public keys) the SoftHSM sandbox's token holds under CKA_ID id.
size_t InnerObjectsWithId(const Bytes& id);

}  // namespace samp11::testing
