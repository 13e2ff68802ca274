#include "hsm/pkcs11_key_backend.h"

#include <atomic>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "common/canonical_encoding.h"
#include "crypto/digest.h"
#include "crypto/keys.h"
#include "crypto/random.h"

namespace samp11 {
namespace {

constexpr char kReferenceTag[] = "pkcs11-key-ref-v1";

// The wrapped material of a pkcs11 key: (tag, inner CKA_ID) in the canonical encoding.
// Keystore rows hold references in this form: it never changes.
SecureBytes EncodeReference(const Bytes& inner_id) {
  Bytes encoded = CanonicalEncoder().Add(kReferenceTag).Add(inner_id).bytes();
  return SecureBytes(encoded.data(), encoded.size());
}

Result<Bytes> DecodeReference(const SecureBytes& material) {
  std::optional<std::vector<Bytes>> fields = CanonicalDecode(material.data(), material.size());
  if (!fields) return Status(Code::kTampered, "malformed key reference");
  if (fields->size() != 2 || (*fields)[0] != ToBytes(kReferenceTag) || (*fields)[1].empty()) {
    return Status(Code::kTampered, "not a reference to a key in a PKCS#11 token");
  }
  return (*fields)[1];
}

Status CheckUsable(const InnerKey& key, const InnerToken& inner) {
  std::string name = "the key with CKA_ID " + HexEncode(key.id) + " on " + inner.Describe();
  if (!key.sensitive) return Status(Code::kRejected, name + " is not CKA_SENSITIVE");
  if (key.extractable) return Status(Code::kRejected, name + " is CKA_EXTRACTABLE");
  if (!key.can_sign) return Status(Code::kRejected, name + " may not sign (CKA_SIGN is false)");
  return Status::Ok();
}

// A key in the inner token, known by its CKA_ID and the public key its row binds. Every
// signature is verified under that public key before it is returned: the inner token cannot
// sign with another key in this key's name, and a faulty signature (an RSA-CRT fault leaks the
// key) never leaves.
class InnerSigningKey : public SigningKey {
 public:
  InnerSigningKey(std::shared_ptr<InnerToken> inner, Bytes id, uint64_t handle, KeyType type,
                  SharedPkey public_key)
      : inner_(std::move(inner)),
        id_(std::move(id)),
        handle_(handle),
        type_(type),
        public_key_(std::move(public_key)) {}

  Result<Bytes> EcdsaSignHash(const Bytes& hash) const override {
    SAMP11_ASSIGN_OR_RETURN(Bytes signature, SignInner(InnerMechanism::kEcdsa, hash, nullptr));
    SAMP11_RETURN_IF_ERROR(Checked(EcdsaVerifyHash(public_key_.get(), hash, signature)));
    return signature;
  }
  Result<Bytes> RsaPkcs1SignDigestInfo(const Bytes& digest_info) const override {
    SAMP11_ASSIGN_OR_RETURN(Bytes signature,
                            SignInner(InnerMechanism::kRsaPkcs, digest_info, nullptr));
    SAMP11_RETURN_IF_ERROR(
        Checked(RsaPkcs1VerifyDigestInfo(public_key_.get(), digest_info, signature)));
    return signature;
  }
  Result<Bytes> RsaPssSignHash(const Bytes& hash, const PssParams& params) const override {
    SAMP11_ASSIGN_OR_RETURN(Bytes signature, SignInner(InnerMechanism::kRsaPss, hash, &params));
    SAMP11_RETURN_IF_ERROR(Checked(RsaPssVerifyHash(public_key_.get(), hash, params, signature)));
    return signature;
  }
  Result<Bytes> Ed25519Sign(const Bytes& message) const override {
    SAMP11_ASSIGN_OR_RETURN(Bytes signature, SignInner(InnerMechanism::kEddsa, message, nullptr));
    SAMP11_RETURN_IF_ERROR(Checked(Ed25519Verify(public_key_.get(), message, signature)));
    return signature;
  }

  // A signature over a fresh random challenge, verified: proof that the inner token holds the
  // private half of public_key_ under this CKA_ID.
  Status ProvePossession() const {
    SAMP11_ASSIGN_OR_RETURN(Bytes challenge, RandomBytes(32));
    Result<Bytes> signed_challenge = Status::Ok();
    switch (FamilyOf(type_)) {
      case KeyFamily::kEc:
        signed_challenge = EcdsaSignHash(challenge);
        break;
      case KeyFamily::kRsa:
        signed_challenge = RsaPkcs1SignDigestInfo(MakeDigestInfo(HashAlg::kSha256, challenge));
        break;
      case KeyFamily::kEdwards:
        signed_challenge = Ed25519Sign(challenge);
        break;
    }
    return signed_challenge.status();
  }

 private:
  // The inner token's signature; a handle that went stale (the token was reconnected, or the
  // object replaced) is looked up again once by CKA_ID, and whatever answers must still verify.
  Result<Bytes> SignInner(InnerMechanism mechanism, const Bytes& data, const PssParams* pss) const {
    Result<Bytes> signature = inner_->Sign(handle_.load(), mechanism, data, pss);
    if (signature.ok() || signature.status().code() != Code::kNotFound) return signature;
    SAMP11_ASSIGN_OR_RETURN(std::vector<InnerKey> found, inner_->FindPrivateKeys(id_));
    if (found.size() != 1) {
      return Status(Code::kTampered, "the inner key with CKA_ID " + HexEncode(id_) + " on " +
                                         inner_->Describe() + " is gone (" +
                                         std::to_string(found.size()) + " found)");
    }
    Status usable = CheckUsable(found[0], *inner_);
    if (!usable.ok()) return Status(Code::kTampered, usable.message());
    handle_.store(found[0].handle);
    return inner_->Sign(found[0].handle, mechanism, data, pss);
  }

  Status Checked(const Status& verified) const {
    if (verified.ok()) return verified;
    return Status(Code::kTampered, "the signature from " + inner_->Describe() +
                                       " does not verify under the bound public key (CKA_ID " +
                                       HexEncode(id_) + "): the inner key is not the bound one");
  }

  std::shared_ptr<InnerToken> inner_;
  Bytes id_;
  mutable std::atomic<uint64_t> handle_;
  KeyType type_;
  SharedPkey public_key_;
};

class Pkcs11KeyBackend : public KeyBackend {
 public:
  explicit Pkcs11KeyBackend(std::shared_ptr<InnerToken> inner) : inner_(std::move(inner)) {}

  const char* name() const override { return key_backend::kPkcs11; }

  Result<BackendKey> Generate(KeyType type, const Bytes& id, const std::string& label) override {
    // A key already under this CKA_ID would make the reference ambiguous: refuse before making one.
    SAMP11_ASSIGN_OR_RETURN(std::vector<InnerKey> existing, inner_->FindPrivateKeys(id));
    if (!existing.empty()) {
      return Status(Code::kAlreadyExists,
                    inner_->Describe() + " already holds a key with CKA_ID " + HexEncode(id));
    }
    SAMP11_ASSIGN_OR_RETURN(InnerKey made, inner_->GenerateKeyPair(type, id, label));
    Result<BackendKey> key = Bind(made, type, made.public_spki);
    if (!key.ok()) (void)inner_->DestroyObjects(id);
    return key;
  }

  Result<BackendKey> Load(KeyType type, const Bytes& public_spki,
                          const SecureBytes& material) override {
    SAMP11_ASSIGN_OR_RETURN(Bytes inner_id, DecodeReference(material));
    SAMP11_ASSIGN_OR_RETURN(std::vector<InnerKey> found, inner_->FindPrivateKeys(inner_id));
    std::string name =
        "the inner key with CKA_ID " + HexEncode(inner_id) + " on " + inner_->Describe();
    if (found.empty()) return Status(Code::kTampered, name + " is gone");
    if (found.size() > 1) {
      return Status(Code::kTampered, name + " is ambiguous: " + std::to_string(found.size()) +
                                         " private keys carry that CKA_ID");
    }
    const InnerKey& key = found[0];
    Status usable = CheckUsable(key, *inner_);
    if (!usable.ok()) return Status(Code::kTampered, usable.message());
    if (key.type != type) {
      return Status(Code::kTampered,
                    name + " is a " + KeyTypeName(key.type) + " key, not " + KeyTypeName(type));
    }
    if (!key.public_spki.empty() && key.public_spki != public_spki) {
      return Status(Code::kTampered, name + " has another public key than the one bound");
    }
    return Bind(key, type, public_spki);
  }

  Status Discard(const BackendKey& key) override {
    SAMP11_ASSIGN_OR_RETURN(Bytes inner_id, DecodeReference(key.material));
    return inner_->DestroyObjects(inner_id).status();
  }

  Result<BackendKey> Adopt(const Bytes& inner_id, AdoptedKeyFacts* facts) override {
    SAMP11_ASSIGN_OR_RETURN(std::vector<InnerKey> found, inner_->FindPrivateKeys(inner_id));
    std::string name = "the key with CKA_ID " + HexEncode(inner_id) + " on " + inner_->Describe();
    if (found.empty()) return Status(Code::kNotFound, "no private key: " + name);
    if (found.size() > 1) {
      return Status(Code::kArgumentsBad, name + " is ambiguous: " + std::to_string(found.size()) +
                                             " private keys carry that CKA_ID");
    }
    const InnerKey& key = found[0];
    // Sole control: a key anyone can read out of the token is not one a signer controls alone.
    SAMP11_RETURN_IF_ERROR(CheckUsable(key, *inner_));
    if (key.public_spki.empty()) {
      return Status(Code::kNotFound, name +
                                         " has no public key object to bind (store its public "
                                         "key on the token with the same CKA_ID)");
    }
    if (facts != nullptr) {
      facts->type = key.type;
      facts->inner_label = key.label;
      facts->always_sensitive = key.always_sensitive;
      facts->never_extractable = key.never_extractable;
    }
    return Bind(key, key.type, key.public_spki);
  }

 private:
  // The key as the keystore holds it, once the inner token proved it has the private half.
  Result<BackendKey> Bind(const InnerKey& key, KeyType type, const Bytes& public_spki) {
    SAMP11_ASSIGN_OR_RETURN(EvpPkeyPtr public_key, PublicKeyFromSpki(public_spki));
    Result<KeyType> public_type = KeyTypeOf(public_key.get());
    if (!public_type.ok() || *public_type != type) {
      return Status(Code::kTampered,
                    "the bound public key is not a " + std::string(KeyTypeName(type)) + " key");
    }
    auto signer = std::make_shared<InnerSigningKey>(inner_, key.id, key.handle, type,
                                                    Share(std::move(public_key)));
    SAMP11_RETURN_IF_ERROR(signer->ProvePossession());
    BackendKey out;
    out.public_spki = public_spki;
    out.material = EncodeReference(key.id);
    out.signer = std::move(signer);
    return out;
  }

  std::shared_ptr<InnerToken> inner_;
};

}  // namespace

std::unique_ptr<KeyBackend> MakePkcs11KeyBackend(std::shared_ptr<InnerToken> inner) {
  return std::make_unique<Pkcs11KeyBackend>(std::move(inner));
}

}  // namespace samp11
