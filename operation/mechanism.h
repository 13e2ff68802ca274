// The signing mechanisms, one file each, and the rule each one follows for "which hash does this
// key really sign": that hash is what the SAM compares with the hashes a SAD binds.
// These are internal names; pkcs11/mechanisms.cc maps CKM_* values and parameters onto them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/digest.h"
#include "crypto/key_type.h"
#include "crypto/ossl.h"
#include "crypto/signature.h"
#include "crypto/signing_key.h"

namespace samp11 {

enum class MechanismKind {
  kEcdsa,            // CKM_ECDSA: data is the hash (single-part)
  kEcdsaWithHash,    // CKM_ECDSA_SHA256/384/512: the module hashes
  kRsaPkcs,          // CKM_RSA_PKCS: data is a DER DigestInfo (single-part)
  kRsaPkcsWithHash,  // CKM_SHA256/384/512_RSA_PKCS
  kRsaPss,           // CKM_RSA_PKCS_PSS: data is the hash, params say which (single-part)
  kRsaPssWithHash,   // CKM_SHA256/384/512_RSA_PKCS_PSS
  kEddsa,            // CKM_EDDSA (pure Ed25519): the SAD binds a hash of the message
};

// The mechanisms PKCS#11 offers for single-part operations only (C_Sign, C_Verify; its mechanism
// tables mark them "single-part operations only"): those whose data is already a hash. The ones
// that hash take their data in parts too (C_SignUpdate), and so does CKM_EDDSA, "a mechanism for
// single-part and multipart signatures and verification" (PKCS#11 3.0).
bool IsSinglePartOnly(MechanismKind kind);

struct MechanismSpec {
  MechanismKind kind;
  HashAlg hash = HashAlg::kSha256;  // for the *WithHash kinds
  std::optional<PssParams> pss;     // for the PSS kinds
};

// Its PKCS#11 name, e.g. "CKM_ECDSA_SHA256", for logs and for the signer's device to show.
std::string MechanismName(const MechanismSpec& spec);

// Longest input accepted for one signature by the mechanisms that keep the data (raw and EdDSA):
// past it, kDataLenRange.
constexpr size_t kMaxBufferedMessage = 64u << 20;

class SignMechanism {
 public:
  virtual ~SignMechanism() = default;

  // Checks that the mechanism fits the key type and its parameters are sound
  // (kKeyTypeInconsistent, kMechanismParamInvalid).
  static Result<std::unique_ptr<SignMechanism>> Create(const MechanismSpec& spec, KeyType key);

  // Feeds data (C_SignUpdate, or all of it for C_Sign).
  virtual Status Update(const uint8_t* data, size_t size) = 0;
  // After all data: checks its form (kDataInvalid, kDataLenRange). Idempotent.
  virtual Status Finish() = 0;
  // The hash algorithm the mechanism signs with, when the mechanism fixes it (all but EdDSA).
  virtual std::optional<HashAlg> FixedHashAlg() const = 0;
  // The hash, under alg, of what the key signs. After Finish. kRejected if alg is not the one
  // the mechanism signs with.
  virtual Result<Bytes> BoundHash(HashAlg alg) const = 0;
  // Signs with the key wherever it lives (crypto/signing_key.h); verifies with a public key.
  virtual Result<Bytes> Sign(const SigningKey& key) const = 0;
  // As Sign, but the signature's encoded length never varies. Consumers that size a placeholder
  // from a probe signature (poppler's pdfsig: docs/consumers.md) fail when the real one comes out
  // longer. ECDSA: r and s with their top bit set, so the DER SEQUENCE a consumer builds from
  // r||s always has its longest length; the other mechanisms' signatures have one length anyway.
  virtual Result<Bytes> SignFixedLength(const SigningKey& key) const { return Sign(key); }
  virtual Status Verify(EVP_PKEY* key, const Bytes& signature) const = 0;

  size_t signature_length() const { return SignatureSize(key_type_); }
  KeyType key_type() const { return key_type_; }
  const MechanismSpec& spec() const { return spec_; }
  // Its PKCS#11 name (MechanismName), for the audit log and the signer's device.
  std::string name() const { return MechanismName(spec_); }

 protected:
  explicit SignMechanism(KeyType key_type) : key_type_(key_type) {}

 private:
  static Result<std::unique_ptr<SignMechanism>> CreateForKind(const MechanismSpec& spec,
                                                              KeyType key);

  KeyType key_type_;
  MechanismSpec spec_{};  // set by Create
};

}  // namespace samp11
