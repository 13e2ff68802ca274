// A key already bound to its signer, used as a SigningKey (crypto/signing_key.h) whose every
// signature goes through the SAM's gate: a sign operation per call, activated like any other (a
// SAD given here as its context login, a deposited SAD, the signer's device asked through the
// token's SAD provider, or the owner's PIN login for a SCAL1 key), checked, spent and audited as a
// "sign" record. `samp11 key csr` signs a certificate request for an existing key this way, so
// the operator's command line never signs what the signer did not approve.
#pragma once

#include <memory>
#include <string>

#include "crypto/signing_key.h"
#include "sam/activation.h"
#include "sam/sam.h"

namespace samp11 {

class GatedSigningKey : public SigningKey {
 public:
  // sad_text: a SAD for a context login (may be empty); login: the user login (a PIN login for
  // a SCAL1 key), may be empty.
  GatedSigningKey(Sam& sam, int64_t key_handle, std::string sad_text, UserLogin login)
      : sam_(sam),
        key_handle_(key_handle),
        sad_text_(std::move(sad_text)),
        login_(std::move(login)) {}

  Result<Bytes> EcdsaSignHash(const Bytes& hash) const override;
  Result<Bytes> RsaPkcs1SignDigestInfo(const Bytes& digest_info) const override;
  Result<Bytes> RsaPssSignHash(const Bytes& hash, const PssParams& params) const override;
  Result<Bytes> Ed25519Sign(const Bytes& message) const override;

 private:
  Result<Bytes> SignThroughGate(const MechanismSpec& spec, const Bytes& data) const;

  Sam& sam_;
  int64_t key_handle_;
  std::string sad_text_;
  UserLogin login_;
};

}  // namespace samp11
