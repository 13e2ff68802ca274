#include "operation/ecdsa.h"

#include "operation/message_input.h"

namespace samp11 {
namespace {

class EcdsaWithHash : public SignMechanism {
 public:
  EcdsaWithHash(KeyType key, HashAlg alg) : SignMechanism(key), input_(alg) {}
  Status Update(const uint8_t* data, size_t size) override {
    input_.Update(data, size);
    return Status::Ok();
  }
  Status Finish() override {
    digest_ = input_.Digest();
    return Status::Ok();
  }
  std::optional<HashAlg> FixedHashAlg() const override { return input_.alg(); }
  Result<Bytes> BoundHash(HashAlg alg) const override {
    if (alg != input_.alg()) {
      return Status(Code::kRejected, std::string("mechanism signs ") + HashName(input_.alg()) +
                                         ", not " + HashName(alg));
    }
    return digest_;
  }
  Result<Bytes> Sign(const SigningKey& key) const override { return key.EcdsaSignHash(digest_); }
  Status Verify(EVP_PKEY* key, const Bytes& signature) const override {
    return EcdsaVerifyHash(key, digest_, signature);
  }

 private:
  HashingInput input_;
  Bytes digest_;  // set by Finish
};

class EcdsaRaw : public SignMechanism {
 public:
  explicit EcdsaRaw(KeyType key) : SignMechanism(key), input_(HashSize(HashAlg::kSha512)) {}
  Status Update(const uint8_t* data, size_t size) override { return input_.Update(data, size); }
  Status Finish() override {
    alg_ = HashFromSize(input_.data().size());
    if (!alg_) {
      return Status(Code::kDataLenRange,
                    "CKM_ECDSA takes a SHA-256, SHA-384 or SHA-512 hash; got " +
                        std::to_string(input_.data().size()) + " bytes");
    }
    return Status::Ok();
  }
  std::optional<HashAlg> FixedHashAlg() const override { return alg_; }
  Result<Bytes> BoundHash(HashAlg alg) const override {
    if (!alg_ || alg != *alg_) {
      return Status(Code::kRejected,
                    std::string("the hash given is not a ") + HashName(alg) + " hash");
    }
    return input_.data();
  }
  Result<Bytes> Sign(const SigningKey& key) const override {
    return key.EcdsaSignHash(input_.data());
  }
  Status Verify(EVP_PKEY* key, const Bytes& signature) const override {
    if (!alg_) return Status(Code::kDataLenRange, "CKM_ECDSA takes a hash");
    return EcdsaVerifyHash(key, input_.data(), signature);
  }

 private:
  BufferedInput input_;
  std::optional<HashAlg> alg_;
};

}  // namespace

Result<std::unique_ptr<SignMechanism>> MakeEcdsa(const MechanismSpec& spec, KeyType key) {
  if (FamilyOf(key) != KeyFamily::kEc) {
    return Status(Code::kKeyTypeInconsistent,
                  std::string("ECDSA needs an EC key, not ") + KeyTypeName(key));
  }
  if (spec.kind == MechanismKind::kEcdsa) return std::unique_ptr<SignMechanism>(new EcdsaRaw(key));
  return std::unique_ptr<SignMechanism>(new EcdsaWithHash(key, spec.hash));
}

}  // namespace samp11
