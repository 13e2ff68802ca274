// A token of another PKCS#11 module (SoftHSMv2 here, an HSM later) that keeps private keys for
// samp11: the "pkcs11" key backend (hsm/pkcs11_key_backend.h). samp11 loads the module, logs in
// once as the token's user with the PIN read from a file, and keeps a pool of sessions, one per
// operation in flight, so that signatures on several threads run at once with no lock around
// them. Nothing here decides whether a key may sign: the SAM decides, and only then is Sign called.
//
// The connection is made on first use, not at construction: a samp11 token whose inner token is
// missing or misconfigured still serves its file keys, and its inner keys answer with a clear
// error (kDevice, kTokenNotPresent). After the inner module reports the token gone
// (CKR_TOKEN_NOT_PRESENT, CKR_DEVICE_REMOVED, CKR_SESSION_HANDLE_INVALID on every session), the
// connection is dropped and the next call connects again.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/key_type.h"
#include "crypto/signature.h"
#include "hsm/inner_token_config.h"

namespace samp11 {

// What samp11 knows of one private key object of the inner token.
struct InnerKey {
  // Opaque, issued by this InnerToken (not the module's CK_OBJECT_HANDLE, which SoftHSM renumbers
  // on reconnect): after a reconnect the key is found again by CKA_ID and must have the same
  // public key. Valid only with the InnerToken that issued it.
  uint64_t handle = 0;
  Bytes id;           // CKA_ID
  std::string label;  // CKA_LABEL
  KeyType type = KeyType::kEcP256;
  bool sensitive = false;          // CKA_SENSITIVE
  bool extractable = true;         // CKA_EXTRACTABLE
  bool always_sensitive = false;   // CKA_ALWAYS_SENSITIVE
  bool never_extractable = false;  // CKA_NEVER_EXTRACTABLE
  bool can_sign = false;           // CKA_SIGN
  // SubjectPublicKeyInfo DER: from the public key object with the same CKA_ID when there is one,
  // else from the private key's own CKA_MODULUS/CKA_PUBLIC_EXPONENT (RSA); empty if neither.
  Bytes public_spki;
};

// The raw primitives of crypto/signature.h, done by the inner token. Signatures in PKCS#11 form.
enum class InnerMechanism {
  kEcdsa,    // CKM_ECDSA over a hash
  kRsaPkcs,  // CKM_RSA_PKCS over a complete DigestInfo
  kRsaPss,   // CKM_RSA_PKCS_PSS over a hash, with PssParams
  kEddsa,    // CKM_EDDSA (pure Ed25519) over the message
};

class InnerToken {
 public:
  // Checks the configuration's form only (module path absolute, exactly one of label and serial,
  // a PIN file named): kConfig otherwise. Connects on first use.
  static Result<std::shared_ptr<InnerToken>> Create(const InnerTokenConfig& config);
  ~InnerToken();
  InnerToken(const InnerToken&) = delete;
  InnerToken& operator=(const InnerToken&) = delete;

  // "token 'NAME' of /path/module.so": for messages and the audit log.
  std::string Describe() const;

  // Generates a key pair on the token. Private key: CKA_TOKEN, CKA_PRIVATE, CKA_SENSITIVE,
  // CKA_SIGN TRUE, CKA_EXTRACTABLE FALSE; public key: CKA_TOKEN, CKA_VERIFY TRUE; both carry id
  // and label. Returns the private key, its public_spki filled in.
  Result<InnerKey> GenerateKeyPair(KeyType type, const Bytes& id, const std::string& label);
  // Every private key object whose CKA_ID is id (normally none or one), with its attributes.
  // Objects of an unsupported key type or size are skipped.
  Result<std::vector<InnerKey>> FindPrivateKeys(const Bytes& id);
  // Destroys every object (private key, public key, certificate) whose CKA_ID is id; used to
  // undo a generation whose binding could not be stored. Returns how many were destroyed.
  Result<int> DestroyObjects(const Bytes& id);

  // samp11's own data objects (CKO_DATA, CKA_TOKEN, CKA_PRIVATE: seen only logged in), named by
  // CKA_APPLICATION and CKA_LABEL (inner_data.cc): the rollback guard's anchor keeps its point in
  // one. ReadData: the CKA_VALUE of each such object (none: empty; normally one, but two processes
  // that made it at once made two). WriteData: sets the value of each (C_SetAttributeValue), or
  // where the token keeps it read-only (SoftHSMv2), makes a new object with value and then
  // destroys the ones there were (a reader in between sees both); makes one if there is none.
  // Durable as far as the token makes its object writes durable.
  Result<std::vector<Bytes>> ReadData(const std::string& application, const std::string& label);
  Status WriteData(const std::string& application, const std::string& label, const Bytes& value);

  // One signature with the private key object handle. pss is required for kRsaPss.
  // kNotFound if the handle is no longer valid (CKR_KEY_HANDLE_INVALID, CKR_OBJECT_HANDLE_INVALID),
  // kTokenNotPresent if the token is gone, kDevice for any other failure of the inner module,
  // always with the CKR_ name and the token in the message.
  Result<Bytes> Sign(uint64_t handle, InnerMechanism mechanism, const Bytes& data,
                     const PssParams* pss = nullptr);

 private:
  // The session pool and samp11's key handles (inner_token_impl.h); the member functions live in
  // inner_token.cc (lookup, destruction), inner_keygen.cc and inner_sign.cc.
  class Impl;
  explicit InnerToken(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace samp11
