#include "operation/rsa_pkcs1.h"

#include "operation/message_input.h"

namespace samp11 {
namespace {

// Both forms end in one DigestInfo; they differ in who made it.
class RsaPkcs1Base : public SignMechanism {
 public:
  using SignMechanism::SignMechanism;
  std::optional<HashAlg> FixedHashAlg() const override { return alg_; }
  Result<Bytes> BoundHash(HashAlg alg) const override {
    if (!alg_ || alg != *alg_) {
      return Status(Code::kRejected,
                    std::string("mechanism does not sign a ") + HashName(alg) + " hash");
    }
    return hash_;
  }
  Result<Bytes> Sign(const SigningKey& key) const override {
    return key.RsaPkcs1SignDigestInfo(MakeDigestInfo(*alg_, hash_));
  }
  Status Verify(EVP_PKEY* key, const Bytes& signature) const override {
    return RsaPkcs1VerifyDigestInfo(key, MakeDigestInfo(*alg_, hash_), signature);
  }

 protected:
  std::optional<HashAlg> alg_;
  Bytes hash_;
};

class RsaPkcs1WithHash : public RsaPkcs1Base {
 public:
  RsaPkcs1WithHash(KeyType key, HashAlg alg) : RsaPkcs1Base(key), input_(alg) {}
  Status Update(const uint8_t* data, size_t size) override {
    input_.Update(data, size);
    return Status::Ok();
  }
  Status Finish() override {
    alg_ = input_.alg();
    hash_ = input_.Digest();
    return Status::Ok();
  }

 private:
  HashingInput input_;
};

class RsaPkcs1DigestInfo : public RsaPkcs1Base {
 public:
  // The longest accepted DigestInfo is SHA-512's: 19 + 64 bytes.
  explicit RsaPkcs1DigestInfo(KeyType key) : RsaPkcs1Base(key), input_(19 + 64) {}
  Status Update(const uint8_t* data, size_t size) override { return input_.Update(data, size); }
  Status Finish() override {
    std::optional<DigestInfo> parsed = ParseDigestInfo(input_.data().data(), input_.data().size());
    if (!parsed) {
      return Status(Code::kDataInvalid,
                    "CKM_RSA_PKCS takes the DER DigestInfo of a SHA-256, SHA-384 or SHA-512 hash");
    }
    alg_ = parsed->alg;
    hash_ = std::move(parsed->hash);
    return Status::Ok();
  }

 private:
  BufferedInput input_;
};

}  // namespace

Result<std::unique_ptr<SignMechanism>> MakeRsaPkcs1(const MechanismSpec& spec, KeyType key) {
  if (FamilyOf(key) != KeyFamily::kRsa) {
    return Status(Code::kKeyTypeInconsistent,
                  std::string("RSA PKCS#1 needs an RSA key, not ") + KeyTypeName(key));
  }
  if (spec.kind == MechanismKind::kRsaPkcs) {
    return std::unique_ptr<SignMechanism>(new RsaPkcs1DigestInfo(key));
  }
  return std::unique_ptr<SignMechanism>(new RsaPkcs1WithHash(key, spec.hash));
}

}  // namespace samp11
