// The Signature Activation Module: the one place that decides whether a key may sign.
// It verifies SADs (who, for which token, until when, signed by which registered key), checks
// that a SAD binds this key and this hash, spends the hash durably, and only then releases a
// signature. It knows nothing of PKCS#11 structures.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "keystore/keystore.h"
#include "operation/mechanism.h"
#include "sam/activation.h"
#include "sam/policy.h"

namespace samp11 {

class Sam {
 public:
  Sam(Keystore& keystore, SamPolicy policy, const Clock& clock);

  // Parse, look up the activation key by kid (authenticated enrolment), verify the signature
  // with the key's registered algorithm, check audience and time, check that the signer is
  // enrolled and that the issuer may speak for it. Nothing is spent.
  Result<std::shared_ptr<const VerifiedSad>> VerifySad(std::string_view text) const;

  // A verified SAD is about this key: same signer as the key's owner, credentialID == key id.
  Status CheckSadForKey(const VerifiedSad& sad, const KeyInfo& key) const;

  // The gate. For a key that needs activation: the activation must hold a SAD for this key whose
  // hashes include the mechanism's bound hash, unspent; the signature is made, then the hash is
  // spent durably, and only if that spend wins is the signature returned. Keys that need no
  // activation (none exist in this version) would sign directly.
  Result<Bytes> Sign(int64_t key_handle, const SignMechanism& mechanism, Activation& activation);

  Keystore& keystore() { return keystore_; }
  const SamPolicy& policy() const { return policy_; }
  int64_t Now() const { return clock_.NowSeconds(); }

 private:
  Keystore& keystore_;
  SamPolicy policy_;
  const Clock& clock_;
};

}  // namespace samp11
