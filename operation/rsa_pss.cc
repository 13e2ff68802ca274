#include "operation/rsa_pss.h"

#include "operation/message_input.h"

namespace samp11 {
namespace {

class RsaPss : public SignMechanism {
 public:
  RsaPss(KeyType key, PssParams params, bool module_hashes)
      : SignMechanism(key),
        params_(params),
        module_hashes_(module_hashes),
        hashing_(params.hash),
        buffered_(HashSize(params.hash)) {}

  Status Update(const uint8_t* data, size_t size) override {
    if (module_hashes_) {
      hashing_.Update(data, size);
      return Status::Ok();
    }
    return buffered_.Update(data, size);
  }
  Status Finish() override {
    if (module_hashes_) {
      hash_ = hashing_.Digest();
      return Status::Ok();
    }
    if (buffered_.data().size() != HashSize(params_.hash)) {
      return Status(Code::kDataLenRange,
                    std::string("CKM_RSA_PKCS_PSS with ") + HashName(params_.hash) + " takes a " +
                        std::to_string(HashSize(params_.hash)) + "-byte hash; got " +
                        std::to_string(buffered_.data().size()));
    }
    hash_ = buffered_.data();
    return Status::Ok();
  }
  std::optional<HashAlg> FixedHashAlg() const override { return params_.hash; }
  Result<Bytes> BoundHash(HashAlg alg) const override {
    if (alg != params_.hash) {
      return Status(Code::kRejected, std::string("mechanism signs ") + HashName(params_.hash) +
                                         ", not " + HashName(alg));
    }
    return hash_;
  }
  Result<Bytes> Sign(const SigningKey& key) const override {
    return key.RsaPssSignHash(hash_, params_);
  }
  Status Verify(EVP_PKEY* key, const Bytes& signature) const override {
    return RsaPssVerifyHash(key, hash_, params_, signature);
  }

 private:
  PssParams params_;
  bool module_hashes_;
  HashingInput hashing_;
  BufferedInput buffered_;
  Bytes hash_;
};

}  // namespace

Result<std::unique_ptr<SignMechanism>> MakeRsaPss(const MechanismSpec& spec, KeyType key) {
  if (FamilyOf(key) != KeyFamily::kRsa) {
    return Status(Code::kKeyTypeInconsistent,
                  std::string("RSA-PSS needs an RSA key, not ") + KeyTypeName(key));
  }
  if (!spec.pss) return Status(Code::kMechanismParamInvalid, "RSA-PSS needs its parameters");
  const PssParams& p = *spec.pss;
  bool module_hashes = spec.kind == MechanismKind::kRsaPssWithHash;
  if (module_hashes && p.hash != spec.hash) {
    return Status(Code::kMechanismParamInvalid, std::string("PSS parameters name ") +
                                                    HashName(p.hash) + " but the mechanism is " +
                                                    HashName(spec.hash));
  }
  // RFC 8017 9.1.1: emLen >= hLen + sLen + 2, with emLen = modulus bytes for these key sizes.
  size_t em_len = SignatureSize(key);
  if (p.salt_length + HashSize(p.hash) + 2 > em_len) {
    return Status(Code::kMechanismParamInvalid,
                  "PSS salt length " + std::to_string(p.salt_length) + " too long for the key");
  }
  return std::unique_ptr<SignMechanism>(new RsaPss(key, p, module_hashes));
}

}  // namespace samp11
