// The "pkcs11" key backend: private keys live in an inner PKCS#11 token (inner_token.h) and never
// leave it. The keystore row wraps a reference to the inner key (its CKA_ID) under the master key,
// bound to the key's signer, SCAL, policy and public key exactly like a file key. Before a key
// signs for the first time in a process the backend proves that the inner token holds the private
// half of the row's public key (it signs a fresh challenge that must verify), and every signature
// the inner token returns is verified under that public key before it is released: a key added,
// replaced or edited behind samp11's back never signs for a signer.
#pragma once

#include <memory>

#include "hsm/inner_token.h"
#include "keystore/key_backend.h"

namespace samp11 {

std::unique_ptr<KeyBackend> MakePkcs11KeyBackend(std::shared_ptr<InnerToken> inner);

}  // namespace samp11
