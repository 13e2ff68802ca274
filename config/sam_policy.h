// The per-token policy the SAM enforces.
#pragma once

#include "sad/sad.h"

namespace samp11 {

struct SamPolicy {
  SadTimePolicy sad;
  // May an application logged in with a SAD generate a key for that signer with
  // C_GenerateKeyPair? Off by default: keys are created by the operator with `samp11 key generate`.
  bool allow_pkcs11_keygen = false;
  // Advertise CKF_PROTECTED_AUTHENTICATION_PATH: consumers then log in with no PIN (NULL), and
  // signatures are activated by deposited SADs. Off by default, because with it set Java and
  // GnuTLS drop any PIN they were given, so the SAD-as-PIN paths stop working for them.
  bool protected_authentication_path = false;
  // Wrong PINs in a row after which a signer's PIN locks (SCAL1 keys; `samp11 signer set-pin`
  // unlocks). 1..20.
  int pin_max_tries = 5;
  // Wrong OCRA responses in a row after which a signer's OCRA enrolment locks (OCRA SADs,
  // docs/sad.md; `samp11 signer set-ocra` unlocks by enrolling again). 1..20: an 8-digit
  // response must not be guessable online.
  int ocra_max_tries = 5;
  // May a key with no certificate sign? A key with certificates always needs one valid now
  // (keystore/lifecycle.h). Off by default: keys are made first and certified afterwards (the
  // CSR), and sealing keys may never get one; a trust service that issues a certificate for every
  // signing key sets it.
  bool require_certificate = false;
};

}  // namespace samp11
