#include "operation/ecdsa.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include "operation/message_input.h"

namespace samp11 {
namespace {

// An ECDSA signature r||s whose r and s both have their top bit set. (r, n - s) is the same
// signature's other valid form, so s is flipped when that sets its top bit; r can only change by
// signing again (each try succeeds with probability about 1/2). A signature verifies the same
// either way; only its DER length is now fixed (72 bytes for P-256, 104 for P-384).
Result<Bytes> LongestDerForm(const SigningKey& key, const Bytes& hash, KeyType type) {
  const int nid = type == KeyType::kEcP384 ? NID_secp384r1 : NID_X9_62_prime256v1;
  EcGroupPtr group(EC_GROUP_new_by_curve_name_ex(LibCtx(), nullptr, nid));
  if (!group) return Status(Code::kInternal, "EC_GROUP_new_by_curve_name failed");
  const BIGNUM* order = EC_GROUP_get0_order(group.get());
  for (int attempt = 0; attempt < 64; ++attempt) {
    SAMP11_ASSIGN_OR_RETURN(Bytes signature, key.EcdsaSignHash(hash));
    const size_t half = signature.size() / 2;
    if ((signature[0] & 0x80) == 0) continue;
    if ((signature[half] & 0x80) == 0) {
      BignumPtr s(BN_bin2bn(signature.data() + half, static_cast<int>(half), nullptr));
      BignumPtr flipped(BN_new());
      if (!s || !flipped || !BN_sub(flipped.get(), order, s.get()) ||
          BN_bn2binpad(flipped.get(), signature.data() + half, static_cast<int>(half)) < 0) {
        return Status(Code::kInternal, "cannot form n - s");
      }
      if ((signature[half] & 0x80) == 0) continue;  // s and n - s both short: a 2^-32 chance
    }
    return signature;
  }
  return Status(Code::kInternal, "no full-length ECDSA signature in 64 tries");
}

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
  Result<Bytes> SignFixedLength(const SigningKey& key) const override {
    return LongestDerForm(key, digest_, key_type());
  }
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
  Result<Bytes> SignFixedLength(const SigningKey& key) const override {
    return LongestDerForm(key, input_.data(), key_type());
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
